"""The function: its configuration as the settings describe it, created or brought up to
date with its code, and waited on until Lambda has applied each change."""

from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings

from django_lambda import gate
from django_lambda.aws.clients import Aws
from django_lambda.aws.code import Code, Progress
from django_lambda.aws.errors import DeployError
from django_lambda.aws.roles import ROLE_PATH, Role, RoleSpec, ensure_role, role_name
from django_lambda.conf import HANDLER, SETTING_NAME
from django_lambda.configuration import DeployConfig
from django_lambda.package import BuildResult

POLL_INTERVAL = 1.0
POLL_ATTEMPTS = 600  # ten minutes: publishing a SnapStart version takes a few

# The execution role lambda_deploy creates when ROLE_ARN is unset: logs, and the
# network interfaces a function in a VPC needs.
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
BASIC_EXECUTION_POLICY = "service-role/AWSLambdaBasicExecutionRole"
VPC_ACCESS_POLICY = "service-role/AWSLambdaVPCAccessExecutionRole"
EXECUTION_ROLE_SUFFIX = "-lambda"


def execution_role(config: DeployConfig) -> RoleSpec:
    """The role lambda_deploy creates for ``config``'s function when ROLE_ARN is unset."""
    function_name = config.function_name or ""
    policies = (BASIC_EXECUTION_POLICY, *((VPC_ACCESS_POLICY,) if config.vpc else ()))
    # The Tasks backend enqueues by invoking the function itself, under any alias.
    invoke_itself = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": [
                    f"arn:aws:lambda:*:*:function:{function_name}",
                    f"arn:aws:lambda:*:*:function:{function_name}:*",
                ],
            }
        ],
    }
    return RoleSpec(
        name=role_name(function_name, EXECUTION_ROLE_SUFFIX),
        service="lambda.amazonaws.com",
        function_name=function_name,
        managed_policies=policies,
        inline_policy=invoke_itself if config.invokes_itself else None,
        description=f"Execution role of the Lambda function {function_name} (django-lambda)",
        tags=config.tags,
        instead=f"set {SETTING_NAME}['ROLE_ARN'] to a role of your own that "
        "lambda.amazonaws.com may assume",
    )


def role_not_assumable_yet(code: str, message: str) -> bool:
    """CreateFunction's error for a role IAM has not propagated to Lambda yet (a ``RetryIf``).

    The same error stands for a role that does not exist or does not trust
    Lambda: the retries are bounded, and then the error and its hint stand.
    """
    return code == "InvalidParameterValueException" and "cannot be assumed" in message


def managed(config: dict[str, Any]) -> dict[str, Any]:
    """The part of a function configuration this app sets, in one comparable shape."""
    vpc = config.get("VpcConfig") or {}
    return {
        "Role": config.get("Role"),
        "Handler": config.get("Handler"),
        "Runtime": config.get("Runtime"),
        "MemorySize": config.get("MemorySize"),
        "Timeout": config.get("Timeout"),
        "Environment": (config.get("Environment") or {}).get("Variables") or {},
        "Layers": [
            layer if isinstance(layer, str) else layer["Arn"]
            for layer in config.get("Layers") or []
        ],
        "VpcConfig": (
            sorted(vpc.get("SubnetIds") or []),
            sorted(vpc.get("SecurityGroupIds") or []),
        ),
        "SnapStart": (config.get("SnapStart") or {}).get("ApplyOn", "None"),
    }


def function_key(deployed: dict[str, Any] | None) -> str:
    """The key for the function's command gate (``django_lambda.gate``): the deployed
    function's own, kept across deploys, else a new one (on the first deploy, or when
    someone removed the variable: that is how to change it)."""
    variables = ((deployed or {}).get("Environment") or {}).get("Variables") or {}
    return str(variables.get(gate.KEY_VARIABLE) or gate.new_key())


def made_by_lambda_deploy(deployed: dict[str, Any]) -> bool:
    """Whether lambda_deploy made the function ``deployed`` (its configuration): every
    function it deploys keeps its command gate's key in its environment."""
    variables = (deployed.get("Environment") or {}).get("Variables") or {}
    return gate.KEY_VARIABLE in variables


def settings_module() -> str:
    """The settings module this process runs with, which the function will run with too."""
    # override_settings hides SETTINGS_MODULE (it reads None), the environment does not.
    module = os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE
    if not module:
        raise DeployError(
            "Cannot tell which settings module the function should use.\n"
            "Hint: run through manage.py, or set DJANGO_SETTINGS_MODULE, or put it in "
            f"{SETTING_NAME}['ENVIRONMENT'].",
            code="NoSettingsModule",
        )
    return str(module)


class Function:
    """``config``'s function on Lambda: read, created, updated, waited on."""

    def __init__(self, aws: Aws, config: DeployConfig) -> None:
        self.aws = aws
        self.say = aws.say
        self.config = config
        # Required to deploy (django_lambda.E120), not to build: "" until set.
        self.name: str = config.function_name or ""
        self.code = Code(aws, function_name=self.name, s3_bucket=config.s3_bucket)

    @property
    def resource(self) -> str:
        return f"function {self.name!r}"

    def configuration(self, qualifier: str | None = None) -> dict[str, Any] | None:
        """GetFunctionConfiguration of the function (or ``qualifier``); None if there is none."""
        kwargs: dict[str, Any] = {"FunctionName": self.name}
        if qualifier:
            kwargs["Qualifier"] = qualifier
        result: dict[str, Any] | None = self.aws.missing(
            "lambda", "get_function_configuration", self.resource, **kwargs
        )
        return result

    def wait_until_ready(self, qualifier: str | None = None) -> dict[str, Any]:
        """Poll until the function (or version) is Active and its last update finished.

        Polling by hand rather than with the ``function_active_v2`` and
        ``function_updated_v2`` waiters: one loop covers both, and a Failed
        state ends it with Lambda's own reason in the error.
        """
        resource = self.resource + (f" version {qualifier}" if qualifier else "")
        for _ in range(POLL_ATTEMPTS):
            config = self.configuration(qualifier)
            if config is None:
                raise DeployError(f"{resource} disappeared while deploying.")
            state = config.get("State") or "Active"
            update = config.get("LastUpdateStatus") or "Successful"
            if state == "Failed" or update == "Failed":
                reason = config.get("StateReason") or config.get("LastUpdateStatusReason")
                code = config.get("StateReasonCode") or config.get("LastUpdateStatusReasonCode")
                raise DeployError(
                    f"{resource} failed to become ready ({code}): {reason}", code=code
                )
            if state == "Active" and update == "Successful":
                return config
            time.sleep(POLL_INTERVAL)
        raise DeployError(
            f"{resource} was still not ready after {POLL_ATTEMPTS * POLL_INTERVAL:g}s.",
            code="Timeout",
        )

    def desired_configuration(self) -> dict[str, Any]:
        """UpdateFunctionConfiguration arguments for the configuration."""
        config = self.config
        environment = dict(config.environment)
        if "DJANGO_SETTINGS_MODULE" not in environment:
            environment["DJANGO_SETTINGS_MODULE"] = settings_module()
        vpc = config.vpc
        return {
            "FunctionName": self.name,
            "Role": config.role_arn,
            "Handler": HANDLER,
            "Runtime": config.runtime,
            "MemorySize": config.memory_size,
            "Timeout": config.timeout,
            "Environment": {"Variables": environment},
            "Layers": list(config.layers),
            "VpcConfig": {
                "SubnetIds": list(vpc.subnet_ids) if vpc else [],
                "SecurityGroupIds": list(vpc.security_group_ids) if vpc else [],
            },
            "SnapStart": {"ApplyOn": "PublishedVersions" if config.snapstart else "None"},
        }

    def runs_as_execution_role(self, deployed: dict[str, Any]) -> bool:
        """Whether the deployed function runs as the role lambda_deploy creates for it."""
        name = execution_role(self.config).name
        return str(deployed.get("Role", "")).endswith(f":role{ROLE_PATH}{name}")

    def ensure_execution_role(self) -> Role:
        """The role the new function runs as when ROLE_ARN is unset: created, or reused."""
        return ensure_role(self.aws, execution_role(self.config))

    def create(
        self, build: BuildResult, desired: dict[str, Any], progress: Progress | None
    ) -> None:
        assert desired["Role"], "ROLE_ARN, or ensure_execution_role()"
        self.say(f"Creating {self.resource}.")
        arguments = {key: value for key, value in desired.items() if key != "VpcConfig"}
        if self.config.vpc:
            arguments["VpcConfig"] = desired["VpcConfig"]
        if not arguments["Layers"]:
            del arguments["Layers"]
        self.aws.call_retrying(
            role_not_assumable_yet,
            "lambda",
            "create_function",
            self.resource,
            **arguments,
            Code=self.code.location(build, progress),
            Architectures=[self.config.architecture],
            PackageType="Zip",
            Publish=False,
            Tags=dict(self.config.tags),
        )
        self.wait_until_ready()

    def update_configuration(
        self, desired: dict[str, Any], deployed: dict[str, Any]
    ) -> tuple[list[str], dict[str, Any]]:
        """Apply the settings in which ``deployed`` differs from ``desired``: (their names,
        the configuration now)."""
        wanted, current = managed(desired), managed(deployed)
        changed = [key for key in wanted if wanted[key] != current[key]]
        if not changed:
            return changed, deployed
        self.say("Updating configuration: " + ", ".join(changed) + ".")
        self.aws.call("lambda", "update_function_configuration", self.resource, **desired)
        return changed, self.wait_until_ready()

    def update_code(
        self, build: BuildResult, deployed: dict[str, Any], progress: Progress | None
    ) -> bool:
        """Upload ``build`` unless ``deployed`` already runs it; whether it was uploaded."""
        architecture = self.config.architecture
        if deployed["CodeSha256"] == build.sha256 and architecture in deployed.get(
            "Architectures", ["x86_64"]
        ):
            self.say(f"Code unchanged (CodeSha256 {build.sha256}); skipping the upload.")
            return False
        self.aws.call(
            "lambda",
            "update_function_code",
            self.resource,
            FunctionName=self.name,
            Architectures=[architecture],
            **self.code.location(build, progress),
        )
        self.wait_until_ready()
        return True

    def tag(self, function_arn: str) -> None:
        tags = dict(self.config.tags)
        if not tags:
            return
        current = self.aws.call("lambda", "list_tags", self.resource, Resource=function_arn)
        if any(current.get("Tags", {}).get(key) != value for key, value in tags.items()):
            self.aws.call("lambda", "tag_resource", self.resource, Resource=function_arn, Tags=tags)
