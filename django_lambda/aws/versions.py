"""The function's published versions and its alias, which carries the traffic: a version is
published once it is Active, and the alias only ever moves to an Active version."""

from __future__ import annotations

from typing import Any

from django_lambda.aws.errors import DeployError
from django_lambda.aws.function import Function, managed


class Versions:
    """``function``'s published versions, and its alias named ``alias``."""

    def __init__(self, function: Function, alias: str) -> None:
        self.function = function
        self.aws = function.aws
        self.say = function.say
        self.alias = alias

    @property
    def resource(self) -> str:
        """The alias, as errors name it."""
        return f"alias {self.alias!r} of function {self.function.name!r}"

    @property
    def names(self) -> dict[str, str]:
        """The alias's arguments to the Lambda API's alias operations."""
        return {"FunctionName": self.function.name, "Name": self.alias}

    def published(self) -> list[dict[str, Any]]:
        """Every published version (not $LATEST), oldest first."""
        pages = self.aws.pages(
            "lambda",
            "list_versions_by_function",
            self.function.resource,
            marker=("Marker", "NextMarker"),
            FunctionName=self.function.name,
        )
        versions = [v for page in pages for v in page["Versions"] if v["Version"] != "$LATEST"]
        return sorted(versions, key=lambda v: int(v["Version"]))

    def alias_version(self) -> str | None:
        """The version the alias is on; None when there is no alias."""
        alias = self.aws.missing("lambda", "get_alias", self.resource, **self.names)
        return None if alias is None else str(alias["FunctionVersion"])

    def alias_arn(self) -> str:
        return str(self.aws.call("lambda", "get_alias", self.resource, **self.names)["AliasArn"])

    def publish(self) -> tuple[str, bool]:
        """Publish $LATEST as a version and wait until it is Active: (the version, whether
        it is new).

        Lambda answers PublishVersion with the newest version when nothing
        changed since it; this does the same explicitly, so a rerun after a
        failed route step reuses the version instead of stacking new ones.
        """
        latest = self.function.wait_until_ready()
        versions = self.published()
        if versions and (
            versions[-1]["CodeSha256"] == latest["CodeSha256"]
            and managed(versions[-1]) == managed(latest)
        ):
            version, new = str(versions[-1]["Version"]), False
            self.say(f"Version {version} already holds this code and configuration.")
        else:
            published = self.aws.call(
                "lambda",
                "publish_version",
                self.function.resource,
                FunctionName=self.function.name,
                # Guard: fail rather than publish code someone else uploaded meanwhile.
                CodeSha256=latest["CodeSha256"],
            )
            version, new = str(published["Version"]), True
            self.say(f"Published version {version}.")
        self.function.wait_until_ready(version)
        return version, new

    def move_alias(self, version: str) -> str | None:
        """Point the alias at ``version`` (Active first); returns the version it left."""
        self.function.wait_until_ready(version)
        previous = self.alias_version()
        if previous is None:
            self.aws.call(
                "lambda", "create_alias", self.resource, **self.names, FunctionVersion=version
            )
            self.say(f"Created alias {self.alias!r} on version {version}.")
        elif previous != version:
            self.aws.call(
                "lambda", "update_alias", self.resource, **self.names, FunctionVersion=version
            )
            self.say(f"Moved alias {self.alias!r} from version {previous} to {version}.")
        else:
            self.say(f"Alias {self.alias!r} already on version {version}.")
        return previous

    def rollback(self, version: str | None = None) -> tuple[str, str]:
        """Move the alias to ``version``, or the one before its current; returns (from, to)."""
        current = self.alias_version()
        if current is None:
            raise DeployError(
                f"There is no {self.resource} to roll back; deploy first.",
                code="ResourceNotFoundException",
            )
        numbers = [int(v["Version"]) for v in self.published()]
        if version is None:
            older = [n for n in numbers if n < int(current)]
            if not older:
                raise DeployError(
                    f"{self.resource} is on version {current}, and there is no "
                    "earlier version to roll back to.",
                    code="NoPreviousVersion",
                )
            version = str(max(older))
        elif not version.isdigit() or int(version) not in numbers:
            raise DeployError(
                f"{self.function.resource} has no version {version!r}; published versions: "
                + (", ".join(map(str, numbers)) or "none")
                + ".",
                code="ResourceNotFoundException",
            )
        self.move_alias(version)
        return current, version
