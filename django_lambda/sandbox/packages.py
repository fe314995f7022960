"""The code the sandbox's functions run: kept in its code bucket at deploy time, fetched
and checked against the function's CodeSha256 to run it here, as moto cannot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django_lambda import aws, local
from django_lambda.aws import package_key
from django_lambda.configuration import DeployConfig
from django_lambda.package import code_sha256
from django_lambda.sandbox.server import STATE_DIR, SandboxError, SandboxInfo


@dataclass(frozen=True)
class DeployedPackage:
    # The function's code, downloaded from the sandbox and checked against CodeSha256.
    zip_path: Path
    # GetFunctionConfiguration for the invoked version or alias.
    configuration: dict[str, Any]

    @property
    def environment(self) -> dict[str, str]:
        variables: dict[str, str] = (self.configuration.get("Environment") or {}).get(
            "Variables"
        ) or {}
        return variables


def store_package(info: SandboxInfo, function_name: str, zip_path: Path) -> str:
    """Keep the deployed package in the sandbox's code bucket; return its key.

    moto stores a function's code but does not serve the ``Code.Location`` URL
    that GetFunction returns, so the sandbox keeps its own copy, under the key
    lambda_deploy gives the packages it uploads through S3, which
    ``deployed_package`` checks against the function's CodeSha256.
    """
    data = Path(zip_path).read_bytes()
    key = package_key(function_name, code_sha256(data))
    info.client("s3").put_object(Bucket=info.code_bucket, Key=key, Body=data)
    return key


def deployed_package(
    info: SandboxInfo, project_dir: Path | str, function_name: str, qualifier: str | None
) -> DeployedPackage:
    """The code the sandbox's function runs, downloaded into ``.lambda/sandbox-packages/``."""
    from botocore.exceptions import ClientError

    where = f"{function_name}:{qualifier}" if qualifier else function_name
    lambda_client = info.client("lambda")
    s3 = info.client("s3")
    try:
        configuration = lambda_client.get_function_configuration(
            FunctionName=function_name, **({"Qualifier": qualifier} if qualifier else {})
        )
    except lambda_client.exceptions.ResourceNotFoundException:
        raise SandboxError(
            f"The sandbox has no function {where}: deploy it first with "
            "`manage.py lambda_deploy --sandbox`."
        ) from None
    configuration.pop("ResponseMetadata", None)
    expected = configuration["CodeSha256"]
    key = package_key(function_name, expected)
    try:
        data = s3.get_object(Bucket=info.code_bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchKey"):
            raise
        raise SandboxError(
            f"The sandbox has no copy of {where}'s code (s3://{info.code_bucket}/{key}): "
            "deploy it again with `manage.py lambda_deploy --sandbox`."
        ) from None
    actual = code_sha256(data)
    if actual != expected:
        raise SandboxError(
            f"s3://{info.code_bucket}/{key} has CodeSha256 {actual}, but {where} runs "
            f"{expected}: deploy it again with `manage.py lambda_deploy --sandbox`."
        )
    target = Path(project_dir) / STATE_DIR / "sandbox-packages" / Path(key).name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return DeployedPackage(target, configuration)


def local_function_options(config: DeployConfig, deployed: DeployedPackage) -> dict[str, Any]:
    """``local.LocalFunction`` options that run ``deployed`` (of ``config``'s function) as
    the sandbox has it: the function's deployed environment, memory, timeout and runtime."""
    configuration = deployed.configuration
    options = local.function_options(config)
    environment = {**deployed.environment}
    environment.setdefault(
        "DJANGO_SETTINGS_MODULE", options["environment"]["DJANGO_SETTINGS_MODULE"]
    )
    options.update(
        function_name=configuration["FunctionName"],
        environment=environment,
        runtime=configuration.get("Runtime") or options["runtime"],
        architecture=(configuration.get("Architectures") or [options["architecture"]])[0],
        memory_size=configuration.get("MemorySize") or options["memory_size"],
        timeout=configuration.get("Timeout") or options["timeout"],
        # Its invocations log into the sandbox's CloudWatch Logs, as Lambda's do.
        log_sink=aws.LogWriter(
            aws.Aws.of(config),
            configuration["FunctionName"],
            configuration.get("Version", "$LATEST"),
        ),
    )
    return options
