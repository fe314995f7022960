"""``lambda_deploy``'s steps: check -> collectstatic -> build -> smoke test -> upload ->
publish -> route (the last three pretended on a dry run, left out by ``--build-only``), or
a rollback. Each step is safe to rerun; what one leaves for the next is kept here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.core.checks import CheckMessage
from django.core.management.base import CommandError

from django_lambda import aws, checks, local, package
from django_lambda.configuration import DeployConfig
from django_lambda.deploy import smoke
from django_lambda.deploy.child import LOCAL, STAGED
from django_lambda.deploy.environment import (
    FunctionEnvironment,
    FunctionEnvironmentError,
    run_checks,
)
from django_lambda.deploy.schedules import route_events
from django_lambda.deploy.static import (
    Collected,
    collect_static,
    static_staging,
    static_storage,
    upload_static,
)
from django_lambda.package import versions
from django_lambda.sandbox import SandboxInfo, ensure_public_bucket


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[], None]


class StepFailed(Exception):
    """A step failed, for the reason the message gives after "<step> failed"."""


# What a step reports as its failure: "<step> failed: <the error>".
STEP_ERRORS = (
    aws.DeployError,
    package.BuildError,
    FunctionEnvironmentError,
    local.LocalRunError,
    smoke.SmokeTestError,
)


class Report(Protocol):
    """Where the steps report (the command): lines under the current step, and warnings."""

    def detail(self, message: str) -> None:
        """A line under the current step."""

    def caution(self, message: str) -> None:
        """A line under the step that asks for attention."""

    def warning(self, message: str) -> None:
        """A warning of the deploy's own checks."""

    def diagnostics(self, text: str) -> None:
        """What the system checks printed."""

    def progress(self, sent: int, total: int) -> None:
        """The package's upload: bytes sent of the total."""


class Pipeline:
    """One run of ``lambda_deploy`` with ``config``: its steps, and what they leave."""

    def __init__(
        self,
        config: DeployConfig,
        report: Report,
        *,
        verbosity: int = 1,
        dry_run: bool = False,
        skip_static: bool = False,
        smoke_test: bool = True,
        build_only: bool = False,
        output: Path | None = None,
        sandbox: SandboxInfo | None = None,
    ) -> None:
        self.config = config
        self.report = report
        self.verbosity = verbosity
        self.dry_run = dry_run
        self.skip_static = skip_static
        self.run_smoke_test = smoke_test
        self.build_only = build_only
        self.output = output
        self.sandbox = sandbox
        self.deployer = aws.Deployer(config, say=report.detail)
        # What the steps leave for the next ones, and for the command's summary.
        self.environment: FunctionEnvironment | None = None
        self.collected: Collected | None = None
        self.built: package.BuildResult | None = None
        self.deployed: dict[str, Any] | None = None  # the function before a dry run
        self.deployment: aws.Deployment | None = None
        self.rolled_back: tuple[str, str] | None = None  # (from, to)
        self.url: str | None = None

    def steps(self) -> list[Step]:
        before_aws = [
            Step("check", self.check),
            Step("collectstatic", self.collectstatic),
            Step("build", self.build),
            Step("smoke test", self.smoke_test),
        ]
        if self.build_only:
            return before_aws
        if self.dry_run:
            return [
                *before_aws,
                Step("upload", self.pretend_upload),
                Step("publish", self.pretend_publish),
                Step("route", self.pretend_route),
            ]
        return [
            *before_aws,
            Step("upload", self.upload),
            Step("publish", self.publish),
            Step("route", self.route),
        ]

    def rollback_steps(self, version: str | None) -> list[Step]:
        """Move the alias back to ``version``, or to the one before its current."""
        return [Step("rollback", lambda: self.rollback(version))]

    # -- before AWS -------------------------------------------------------------

    def check(self) -> None:
        # What the deploy itself reads from the settings, checked here.
        messages = checks.check_deploy_configuration()
        errors = [message for message in messages if message.is_serious()]
        if errors:
            raise CommandError(
                "Fix these settings before deploying:\n" + "\n".join(map(_format, errors))
            )
        for message in messages:
            self.report.warning(_format(message))
        # Everything else judges the settings the function runs with.
        self.environment = FunctionEnvironment.from_config(self.config)
        self.report.detail(f"With {self.environment.describe()}.")
        passed, output = run_checks(self.environment, verbosity=self.verbosity)
        if not passed:
            raise StepFailed(f"with the function's environment:\n{output}")
        if output.strip():
            self.report.diagnostics(output.rstrip("\n"))

    def collectstatic(self) -> None:
        detail = self.report.detail
        if self.skip_static:
            detail("Skipped (--skip-static).")
            return
        if self.dry_run:
            detail("Pretending to run collectstatic with the function's environment.")
            return
        detail("With the function's environment, as the checks.")
        assert self.environment is not None, "check before collectstatic"
        staging = static_staging(self.config)
        uploads = not self.build_only
        self.collected = collected = collect_static(
            self.environment,
            staging=staging,
            uploads=uploads,
            verbosity=max(self.verbosity - 1, 0),
        )
        for line in collected.output.splitlines():
            detail(line)
        if collected.how == STAGED:
            detail(
                f"Collected into {staging}; "
                + ("the upload step sends them to the bucket." if uploads else "no upload.")
            )
        elif collected.reason:
            detail(f"Static files not collected: {collected.reason}.")

    def build(self) -> None:
        if self.dry_run:
            self.report.detail(f"Pretending to build the package in {self.config.build_dir}.")
            return
        say = self.report.detail
        # Looked up on the module at call time, so tests can replace it.
        self.built = package.build_package(self.config, output=self.output, say=say)
        say(f"CodeSha256 {self.built.sha256}")
        versions.check_build(self.built, project_dir=self.config.project_dir, say=say)

    def smoke_test(self) -> None:
        if not self.run_smoke_test:
            self.report.detail("Skipped (--no-smoke-test).")
            return
        if self.built is None:
            self.report.detail("Pretending to start the package here and send it a warm-up event.")
            return
        config, collected = self.config, self.collected
        compared = None
        # A remote storage (not StaticStorage) reads its manifest from the bucket,
        # with the credentials the function's role gives it on Lambda only.
        if collected is not None and collected.how in (STAGED, LOCAL):
            compared = collected.configuration
        try:
            outcome = smoke.smoke_test(
                self.built.zip_path, config, collected=compared, say=self.report.detail
            )
        except smoke.SmokeTestError as error:
            if self.build_only:
                raise
            raise smoke.SmokeTestError(f"{error}\nNothing was uploaded.") from None
        if outcome.skipped:
            self.report.caution(
                f"Skipped: {outcome.skipped}. Run the deploy on {config.runtime} and "
                f"{config.architecture} to test the package before it ships, or pass "
                "--no-smoke-test."
            )
        elif outcome.static is not None:
            self.report.detail(
                "The package's static files storage is the one collectstatic used "
                f"({outcome.static['backend']})."
            )

    # -- AWS --------------------------------------------------------------------

    def upload(self) -> None:
        assert self.built is not None, "build before upload"
        created_bucket = self.upload_static()
        self.deployment = self.deployer.upload(self.built, progress=self.report.progress)
        self.deployment.created_bucket = created_bucket

    def upload_static(self) -> str | None:
        """Send the files collectstatic staged to the bucket the function reads them from,
        creating the bucket first if it does not exist; the bucket's name if it was created."""
        collected = self.collected
        if collected is None or collected.staging is None:
            return None
        assert self.environment is not None, "check before upload"
        bucket = static_bucket(self.config, collected.configuration)
        created = None
        if self.sandbox is not None and bucket is not None:
            # The sandbox has whatever bucket the function's settings name.
            ensure_public_bucket(self.sandbox, bucket.name)
        elif bucket is not None and aws.ensure_static_bucket(
            self.deployer.aws, bucket, dict(self.config.tags)
        ):
            created = bucket.name
        uploaded = upload_static(self.environment, collected)
        self.report.detail(
            f"Static files: uploaded {len(uploaded['uploaded'])} to "
            f"{uploaded['destination']}, {len(uploaded['present'])} already there."
        )
        return created

    def publish(self) -> None:
        assert self.deployment is not None, "upload before publish"
        self.deployer.publish(self.deployment)

    def route(self) -> None:
        assert self.deployment is not None, "upload before route"
        self.deployer.route(self.deployment)
        route_events(self.deployer, self.config, self.report.detail)

    def rollback(self, version: str | None) -> None:
        deployer = self.deployer
        if self.dry_run:
            current = deployer.alias_version()
            if current is None:
                raise CommandError(f"There is no alias {deployer.alias!r} to roll back.")
            target = version or "the previous version"
            self.report.detail(
                f"Pretending to move alias {deployer.alias!r} from version {current} to {target}."
            )
            return
        self.rolled_back = deployer.rollback(version)
        self.url = deployer.expose(create=False)

    # -- a dry run's AWS steps: read what exists, write nothing -------------------

    def pretend_upload(self) -> None:
        name = self.deployer.function_name
        self.pretend_static_bucket()
        self.deployed = self.deployer.configuration()
        if self.deployed is None:
            if not self.config.role_arn:
                self.pretend_execution_role()
            self.report.detail(f"Pretending to create function {name!r}.")
        else:
            self.report.detail(
                f"Pretending to update function {name!r}: its configuration where it "
                "changed, its code unless CodeSha256 is unchanged."
            )

    def pretend_execution_role(self) -> None:
        spec = aws.execution_role(self.config)
        existing = aws.find_role(self.deployer.aws, spec)
        if existing is None:
            self.report.detail(f"Pretending to create {spec.resource}, {spec.describe()}.")
        else:
            self.report.detail(
                f"Pretending to run the function as {spec.resource}, which an earlier "
                "deploy created."
            )

    def pretend_static_bucket(self) -> None:
        if self.skip_static or self.sandbox is not None:
            return
        assert self.environment is not None, "check before upload"
        bucket = static_bucket(self.config, static_storage(self.environment))
        if bucket is not None and not aws.bucket_exists(self.deployer.aws, bucket):
            where = self.deployer.aws.region or "the default region"
            self.report.detail(
                f"Pretending to create {bucket.resource} in {where}, {bucket.describe()}."
            )

    def pretend_publish(self) -> None:
        name = self.deployer.function_name
        self.report.detail(f"Pretending to publish a new version of {name!r}.")

    def pretend_route(self) -> None:
        deployer, exists = self.deployer, self.deployed is not None
        current = deployer.alias_version() if exists else None
        where = f" (now on version {current})" if current else ""
        self.report.detail(f"Pretending to move alias {deployer.alias!r}{where} to it.")
        url = deployer.expose(create=False) if exists else None
        if url:
            self.report.detail(f"URL: {url}")
        elif self.config.http:
            self.report.detail(f"Pretending to create the {self.config.http} on the alias.")
        route_events(self.deployer, self.config, self.report.detail, dry_run=True)


def static_bucket(
    config: DeployConfig, configuration: dict[str, Any] | None
) -> aws.StaticBucket | None:
    """The bucket of the static storage ``configuration`` (``child.static_configuration``)."""
    name = (configuration or {}).get("bucket_name")
    if not name:
        return None
    return aws.StaticBucket(
        name, config.function_name or "", (configuration or {}).get("custom_domain")
    )


def _format(message: CheckMessage) -> str:
    return f"{message.id}: {message.msg}\n\tHINT: {message.hint}"
