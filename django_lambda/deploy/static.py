"""The static files, collected with the function's environment: staged for
``StaticStorage`` and uploaded at deploy time with the deploying user's credentials."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django_lambda import aws, local, package
from django_lambda.configuration import DeployConfig
from django_lambda.deploy.child import NOT_COLLECTED, STAGED
from django_lambda.deploy.environment import FunctionEnvironment, FunctionEnvironmentError
from django_lambda.package import versions
from django_lambda.progress import Say


@dataclass(frozen=True)
class Collected:
    """What collect_static() did."""

    how: str  # STAGED, LOCAL, REMOTE or NOT_COLLECTED
    backend: str
    # Why not, for NOT_COLLECTED ("" when there is nothing to say).
    reason: str = ""
    output: str = ""
    # The storage's effective configuration (static_configuration()), once collected.
    configuration: dict[str, Any] | None = None
    staging: Path | None = None


def collect_static(
    environment: FunctionEnvironment,
    *,
    staging: Path,
    uploads: bool,
    verbosity: int,
    local_storages: bool = True,
) -> Collected:
    """collectstatic with the function's environment.

    ``StaticStorage`` collects into ``staging`` without AWS (``upload_static``
    sends the files up later); a file-system storage collects as usual (unless
    not ``local_storages``). Any other storage uploads while it collects: it
    gets the deploying user's credentials when ``uploads`` (a deploy), and is
    left alone otherwise (a build, which needs no AWS).
    """
    arguments = {
        "staging": str(staging),
        "verbosity": verbosity,
        "credentials": False,
        "local_storages": local_storages,
    }
    result = environment.run("collect", arguments)
    if result.get("needs_credentials") and uploads:
        result = environment.run(
            "collect", {**arguments, "credentials": True}, extra=upload_variables(environment)
        )
    if "error" in result:
        raise FunctionEnvironmentError(str(result["error"]))
    if result.get("needs_credentials"):
        return Collected(
            NOT_COLLECTED,
            result["backend"],
            reason=f"STORAGES['staticfiles'] is {result['backend']}, which uploads as it "
            "collects, and a build needs no AWS; lambda_deploy collects them when it deploys "
            "(django_lambda.storage.StaticStorage collects without AWS)",
        )
    return Collected(
        result["how"],
        result["backend"],
        result.get("reason", ""),
        result.get("output", ""),
        result.get("configuration"),
        staging if result["how"] == STAGED else None,
    )


def upload_static(environment: FunctionEnvironment, collected: Collected) -> dict[str, Any]:
    """Upload what collect_static() staged, with the function's settings (the bucket and
    location the function reads) and the deploying user's credentials."""
    assert collected.staging is not None, "only staged files are uploaded"
    result = environment.run(
        "upload", {"staging": str(collected.staging)}, extra=upload_variables(environment)
    )
    if "error" in result:
        raise FunctionEnvironmentError(str(result["error"]))
    return result


def static_storage(environment: FunctionEnvironment) -> dict[str, Any] | None:
    """``StaticStorage``'s configuration with the function's environment (its bucket, custom
    domain), without collecting; None when the static files storage is another."""
    result = environment.run("storage", {})
    if "error" in result:
        raise FunctionEnvironmentError(str(result["error"]))
    configuration: dict[str, Any] | None = result.get("configuration")
    return configuration


def upload_variables(environment: FunctionEnvironment) -> dict[str, str]:
    """What a child that uploads needs beyond the function's environment: the deploying
    user's credentials, resolved here (a profile, SSO, ...), and the deploy's endpoint."""
    variables = aws.credential_variables()
    if environment.endpoint_url:
        variables["AWS_ENDPOINT_URL"] = environment.endpoint_url
    return variables


def static_staging(config: DeployConfig) -> Path:
    """Where collectstatic stages the files ``StaticStorage`` uploads at deploy time."""
    return config.build_dir.resolve() / "static"


def build_with_static(config: DeployConfig, *, say: Say) -> Path:
    """Collect the static files (without AWS) and build the package, as ``lambda_deploy
    --build-only`` does, for the local runs' automatic build: the package gets its manifest."""
    try:
        environment = FunctionEnvironment.from_config(config)
    except local.LocalRunError as error:
        raise package.BuildError(str(error)) from None
    staging = static_staging(config)
    try:
        collected = collect_static(
            environment, staging=staging, uploads=False, verbosity=0, local_storages=False
        )
    except FunctionEnvironmentError as error:
        raise package.BuildError(f"collectstatic failed: {error}") from None
    if collected.reason:
        say(f"Static files not collected: {collected.reason}.")
    result = package.build_package(config, say=say)
    versions.check_build(result, project_dir=config.project_dir, say=say)
    return result.zip_path
