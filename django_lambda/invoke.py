"""Where ``lambda_invoke`` sends its event: the deployed function (through AWS, or the sandbox),
or its package run here; and what the event carries for it (the host of the function's front
door, the proof a management command needs).

Errors: ``aws.DeployError`` for the deployed function (with a fix in the message),
``local.LocalRunError`` for a local run (``local.InitError`` when its init phase failed).
"""

from __future__ import annotations

import base64
import dataclasses
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from django_lambda import aws, gate, local, remote
from django_lambda.configuration import DeployConfig
from django_lambda.deploy import local_run
from django_lambda.events import client
from django_lambda.local import front_door
from django_lambda.progress import Say, quiet


@dataclass(frozen=True)
class Outcome:
    """What the function gave back."""

    # Its result, decoded from JSON (None on a function error).
    payload: Any
    # errorType, errorMessage, stackTrace when the function failed, else None.
    function_error: dict[str, Any] | None
    # Its log for this invocation ("" when none was asked for, or there was none).
    log: str
    # Lambda's REPORT line, for a local run.
    report: str | None = None


class Target(ABC):
    """A function to invoke. ``alias`` is the one whose front door a request comes through
    (None: the configured one; a version is reached through that one's)."""

    def __init__(self, config: DeployConfig, *, alias: str | None) -> None:
        self.config = config
        self.alias = alias

    @abstractmethod
    def host(self) -> str:
        """The host a request to the function carries (see ``front_door``)."""

    @abstractmethod
    def command_key(self) -> str:
        """The key that proves a management command to the function."""

    @abstractmethod
    def invoke(self, payload: Any, *, log: bool) -> Outcome:
        """Send ``payload`` (JSON-serializable); with ``log``, keep the function's log."""

    def http_event(self, request: client.Request, *, format: str) -> dict[str, Any]:
        """The event for ``request``; without a Host header, it carries :meth:`host`'s."""
        if request.header("host") is None:
            headers = (("Host", self.host()), *request.headers)
            request = dataclasses.replace(request, headers=headers)
        return client.make_event(request, format=format)

    def command_event(self, command_line: str) -> dict[str, str]:
        """The event that runs ``command_line`` in the function, with its proof."""
        return remote.command_event(command_line, self.command_key())


class Deployed(Target):
    """The function deployed to AWS (or to the sandbox): its alias or version."""

    def __init__(
        self,
        config: DeployConfig,
        function_name: str,
        *,
        alias: str | None = None,
        qualifier: str | None = None,
    ) -> None:
        super().__init__(config, alias=alias)
        self.function_name = function_name
        self.qualifier = alias or qualifier or config.alias

    @property
    def resource(self) -> str:
        return f"{self.function_name}:{self.qualifier}"

    def host(self) -> str:
        return front_door.public_host(self.config, qualifier=self.alias)

    def command_key(self) -> str:
        """The key in the environment of the function's qualifier, read with
        GetFunctionConfiguration: whoever may read the configuration may run commands."""
        configuration = aws.Deployer(self.config).configuration(self.qualifier)
        if configuration is None:
            raise self.not_deployed()
        variables = (configuration.get("Environment") or {}).get("Variables") or {}
        key = variables.get(gate.KEY_VARIABLE)
        if not key:
            raise aws.DeployError(
                f"{self.resource} has no {gate.KEY_VARIABLE} environment variable, so it would "
                "refuse the command: it was deployed before django-lambda proved commands, or "
                "the variable was removed. Deploy it with lambda_deploy, which makes a key, "
                "then run the command again."
            )
        return str(key)

    def invoke(self, payload: Any, *, log: bool) -> Outcome:
        response = self._call_invoke(
            json.dumps(payload).encode(), log_type="Tail" if log else "None"
        )
        body = response["Payload"].read()
        log_text = base64.b64decode(response.get("LogResult") or "").decode("utf-8", "replace")
        result = json.loads(body) if body else None
        if response.get("FunctionError"):
            failure = result if isinstance(result, dict) else {"errorMessage": str(result)}
            return Outcome(None, failure, log_text)
        return Outcome(result, None, log_text)

    def _call_invoke(self, payload: bytes, *, log_type: str) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        lambda_client = aws.client(
            "lambda", region=self.config.region, endpoint_url=self.config.endpoint_url
        )
        try:
            response: dict[str, Any] = lambda_client.invoke(
                FunctionName=self.function_name,
                Qualifier=self.qualifier,
                Payload=payload,
                LogType=log_type,
            )
        except (ClientError, BotoCoreError) as error:
            explained = aws.explain(
                error, operation="Invoke", resource=self.resource, region=self.config.region
            )
            if explained.code == "ResourceNotFoundException":
                raise self.not_deployed() from None
            raise explained from None
        return response

    def not_deployed(self) -> aws.DeployError:
        return aws.DeployError(
            f"Function {self.function_name!r} has no alias or version {self.qualifier!r}: "
            "deploy it with lambda_deploy, or pick another with --alias/--qualifier.",
            code="ResourceNotFoundException",
        )


class Local(Target):
    """The package run here: ``package``, or the project's (built first if missing or stale).

    Its requests carry a host of the form of the function's front door; its
    commands, a key made for this run and given to the process's environment
    only, as Lambda keeps it (never in the package). ``say`` and ``warn`` tell
    what happens on the way (a build, the platform, the isolation).
    """

    def __init__(
        self,
        config: DeployConfig,
        *,
        package: Path | None,
        alias: str | None = None,
        say: Say = quiet,
        warn: Say = quiet,
    ) -> None:
        super().__init__(config, alias=alias)
        self.package = package
        self.say = say
        self.warn = warn

    @cached_property
    def key(self) -> str:
        return gate.new_key()

    def host(self) -> str:
        return front_door.public_host(self.config, qualifier=self.alias, lookup=False)

    def command_key(self) -> str:
        return self.key

    def run(self) -> local_run.LocalRun:
        return local_run.local_run(
            self.config,
            package=self.package,
            environment={gate.KEY_VARIABLE: self.key},
            say=self.say,
            warn=self.warn,
        )

    def invoke(self, payload: Any, *, log: bool) -> Outcome:
        run = self.run()
        # What the function invokes of itself asynchronously (a task) runs in another
        # process, as on Lambda; the command waits for it, so its log is seen.
        runs = local.AsyncRuns(
            run.package, retries=self.config.task_retries, say=self.say, **run.options
        )
        environment = {**run.options.get("environment", {}), **runs.variables()}
        options = {**run.options, "environment": environment}
        with runs, local.LocalFunction(run.package, **options) as function:
            result = function.invoke(payload)
            runs.wait()
        if function.isolation is not None and function.isolation.read_only != "mount":
            self.say(function.isolation.describe())
        report = result.report() + (" (cold start)" if result.init_duration is not None else "")
        return Outcome(
            result.payload,
            result.function_error,
            result.log,
            report=f"REPORT RequestId: {result.request_id}  {report}",
        )


class InSandbox(Local):
    """The code deployed to the sandbox, run here (moto keeps functions but cannot run them)
    with the deployed function's ``options``; host and key are the deployed function's."""

    def __init__(
        self,
        deployed: Deployed,
        options: dict[str, Any],
        *,
        package: Path,
        say: Say = quiet,
        warn: Say = quiet,
    ) -> None:
        super().__init__(deployed.config, package=package, alias=deployed.alias, say=say, warn=warn)
        self.deployed = deployed
        self.options = options

    def host(self) -> str:
        return self.deployed.host()

    def command_key(self) -> str:
        return self.deployed.command_key()

    def run(self) -> local_run.LocalRun:
        return local_run.local_run(
            self.config, package=self.package, deployed=self.options, say=self.say, warn=self.warn
        )
