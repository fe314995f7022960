"""``lambda_invoke``: send one HTTP request, management command or raw event to the function."""

from __future__ import annotations

import base64
import json
import sys
from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_lambda import http_events, local
from django_lambda.configuration import DeployConfig
from django_lambda.management.sandbox import SandboxCommandMixin, function_name_of
from django_lambda.sandbox import SandboxInfo


class Command(SandboxCommandMixin, BaseCommand):
    # With --local: the key the local function process gets in its environment
    # (made for this run, never written anywhere), for proving --manage commands.
    local_key: str | None = None

    help = (
        "Invoke the deployed function (its alias) with an HTTP request and print the response "
        "like `curl -i`; or run a management command in it (--manage); or send a raw event "
        "(--event). With --local, run the built package on this machine instead of AWS."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("method", nargs="?", help="HTTP method, e.g. GET or POST.")
        parser.add_argument(
            "path", nargs="?", help="Path with query string, e.g. '/stars/?page=2'."
        )
        parser.add_argument(
            "-H",
            "--header",
            action="append",
            default=[],
            dest="headers",
            metavar="'Name: value'",
            help="A request header; repeat for more.",
        )
        body = parser.add_mutually_exclusive_group()
        body.add_argument("-d", "--data", help="The request body.")
        body.add_argument("--data-file", type=Path, help="Read the request body from this file.")
        parser.add_argument(
            "--format",
            choices=http_events.FORMATS,
            default="v2",
            help="Event shape: v2 (HTTP API / Function URL, default), v1 (REST API) or alb.",
        )
        parser.add_argument(
            "-o", "--output", type=Path, help="Write the response body to this file."
        )
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument(
            "--manage",
            metavar="COMMAND",
            help="Run a management command in the function, e.g. 'migrate --noinput'.",
        )
        kind.add_argument(
            "--event", type=Path, metavar="FILE", help="Send this JSON event as it is ('-': stdin)."
        )
        parser.add_argument("--log", action="store_true", help="Print the function's log tail.")
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--alias", help="Alias to invoke (default: DJANGO_LAMBDA['ALIAS']).")
        target.add_argument("--qualifier", help="Version or alias to invoke.")
        parser.add_argument(
            "--local",
            action="store_true",
            dest="run_local",
            help="Run the package from the build directory (built if missing or stale) "
            "under the Lambda runtime client on this machine.",
        )
        parser.add_argument(
            "--package", type=Path, help="With --local: run this package zip instead."
        )
        self.add_sandbox_arguments(parser)

    def check_sandbox_options(self, *, sandbox: bool, **options: Any) -> None:
        if sandbox and (options["run_local"] or options["package"]):
            raise CommandError(
                "--sandbox runs the code deployed to the sandbox: drop --local/--package."
            )

    def run_in_sandbox(self, info: SandboxInfo, config: DeployConfig, **options: Any) -> None:
        package = self.use_deployed_package(info, config, options["alias"] or options["qualifier"])
        self.run(config, **{**options, "run_local": True, "package": package})

    def run(
        self,
        config: DeployConfig,
        *,
        method: str | None,
        path: str | None,
        headers: list[str],
        data: str | None,
        data_file: Path | None,
        format: str,
        output: Path | None,
        manage: str | None,
        event: Path | None,
        log: bool,
        alias: str | None,
        qualifier: str | None,
        run_local: bool,
        package: Path | None,
        **options: Any,
    ) -> None:
        self.config = config
        if package and not run_local:
            raise CommandError("--package runs a package locally: add --local.")
        if manage is not None or event is not None:
            if method or path or headers or data is not None or data_file or output:
                raise CommandError(
                    "An HTTP request (METHOD PATH, -H, -d, -o) cannot go with --manage or --event."
                )
            if manage is not None:
                from django_lambda import remote

                payload = remote.command_event(
                    manage, self.command_key(run_local, alias or qualifier)
                )
            else:
                payload = self.read_event(event)
        else:
            payload = self.http_event(
                method, path, headers, data, data_file, format, lambda: self.host(run_local, alias)
            )

        if run_local:
            result, function_error, log_text = self.invoke_local(payload, package, log)
        else:
            result, function_error, log_text = self.invoke_remote(payload, alias or qualifier, log)

        if log and log_text:
            self.stderr.write(log_text.rstrip("\n"), style_func=lambda text: text)
        if function_error is not None:
            self.stderr.write(local.format_function_error(function_error))
            raise CommandError(f"The function failed: {function_error.get('errorType', 'Unknown')}")
        if manage is not None:
            self.print_manage(result)
        elif event is not None:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.print_http(result, format, output)

    def read_event(self, path: Path | None) -> Any:
        assert path is not None
        try:
            text = sys.stdin.read() if str(path) == "-" else path.read_text()
        except OSError as error:
            raise CommandError(f"Cannot read the event file {path}: {error.strerror}.") from None
        try:
            return json.loads(text)
        except ValueError as error:
            raise CommandError(f"The event in {path} is not JSON: {error}.") from None

    def http_event(
        self,
        method: str | None,
        path: str | None,
        headers: list[str],
        data: str | None,
        data_file: Path | None,
        format: str,
        default_host: Callable[[], str],
    ) -> dict[str, Any]:
        """The event for this request; without a Host header, the Host is ``default_host()``."""
        if not method or not path:
            raise CommandError(
                "Give a method and a path (e.g. GET /), or --manage COMMAND, or --event FILE."
            )
        if not path.startswith("/"):
            raise CommandError(f"The path {path!r} must start with '/'.")
        try:
            parsed = [http_events.parse_header(line) for line in headers]
        except ValueError as error:
            raise CommandError(str(error)) from None
        if data_file is not None:
            try:
                body = data_file.read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {data_file}: {error.strerror}.") from None
        else:
            body = (data or "").encode()
        if body and not any(name.lower() == "content-type" for name, _ in parsed):
            # As curl -d does.
            parsed.append(("Content-Type", "application/x-www-form-urlencoded"))
        if not any(name.lower() == "host" for name, _ in parsed):
            parsed.insert(0, ("Host", default_host()))
        return http_events.make_event(
            format=format, method=method.upper(), path=path, headers=parsed, body=body
        )

    def command_key(self, run_local: bool, qualifier: str | None) -> str:
        """The key to prove a command with: the function's own, or with --local, this run's."""
        if run_local and self.sandbox_options is None:
            return self.local_function_key()
        # Remote, and in the sandbox: the key lambda_deploy put in the function's environment.
        return self.deployed_key(qualifier)

    def local_function_key(self) -> str:
        from django_lambda import gate

        if self.local_key is None:
            self.local_key = gate.new_key()
        return self.local_key

    def deployed_key(self, qualifier: str | None) -> str:
        """The key in the environment of the function's ``qualifier``, read with
        GetFunctionConfiguration: whoever may read the configuration may run commands."""
        from django_lambda import aws, gate

        function_name, qualifier = self.target(qualifier)
        try:
            configuration = aws.Deployer(self.config).configuration(qualifier)
        except aws.DeployError as error:
            raise CommandError(str(error)) from None
        if configuration is None:
            raise self.not_deployed(function_name, qualifier)
        variables = (configuration.get("Environment") or {}).get("Variables") or {}
        key = variables.get(gate.KEY_VARIABLE)
        if not key:
            raise CommandError(
                f"{function_name}:{qualifier} has no {gate.KEY_VARIABLE} environment variable, "
                "so it would refuse the command: it was deployed before django-lambda proved "
                "commands, or the variable was removed. Deploy it with lambda_deploy, which "
                "makes a key, then run the command again."
            )
        return str(key)

    def not_deployed(self, function_name: str, qualifier: str) -> CommandError:
        return CommandError(
            f"Function {function_name!r} has no alias or version {qualifier!r}: "
            "deploy it with lambda_deploy, or pick another with --alias/--qualifier."
        )

    def target(self, qualifier: str | None) -> tuple[str, str]:
        """The function's name and the alias or version to call."""
        return function_name_of(self.config), qualifier or self.config.alias

    def host(self, run_local: bool, alias: str | None) -> str:
        """The host a request to the deployed function carries (see ``front_door``): its
        Function URL's or HTTP API's on ``alias`` (a version picked with --qualifier is
        reached through the default alias's), else a made-up one of the same form."""
        from django_lambda import aws, front_door

        if not run_local:
            self.target(alias)  # the function must be named
        try:
            return front_door.public_host(
                self.config,
                qualifier=alias,
                lookup=not run_local or self.sandbox_options is not None,
            )
        except aws.DeployError as error:
            raise CommandError(str(error)) from None

    def invoke_remote(
        self, payload: Any, qualifier: str | None, log: bool
    ) -> tuple[Any, dict[str, Any] | None, str]:
        from botocore.exceptions import BotoCoreError, ClientError

        from django_lambda import aws

        function_name, qualifier = self.target(qualifier)
        try:
            response = aws.client(
                "lambda", region=self.config.region, endpoint_url=self.config.endpoint_url
            ).invoke(
                FunctionName=function_name,
                Qualifier=qualifier,
                Payload=json.dumps(payload).encode(),
                LogType="Tail" if log else "None",
            )
        except (ClientError, BotoCoreError) as error:
            explained = aws.explain(
                error,
                operation="Invoke",
                resource=f"{function_name}:{qualifier}",
                region=self.config.region,
            )
            if explained.code == "ResourceNotFoundException":
                raise self.not_deployed(function_name, qualifier) from None
            raise CommandError(str(explained)) from None
        body = response["Payload"].read()
        log_text = base64.b64decode(response.get("LogResult") or "").decode("utf-8", "replace")
        result = json.loads(body) if body else None
        if response.get("FunctionError"):
            failure = result if isinstance(result, dict) else {"errorMessage": str(result)}
            return None, failure, log_text
        return result, None, log_text

    def invoke_local(
        self, payload: Any, package: Path | None, log: bool
    ) -> tuple[Any, dict[str, Any] | None, str]:
        from django_lambda import gate
        from django_lambda.package import BuildError

        say = self.stderr_note
        try:
            zip_path = package.absolute() if package else local.local_package(self.config, say=say)
        except BuildError as error:
            raise CommandError(f"Building the package failed: {error}") from None
        if self.sandbox_options is not None:
            options = self.sandbox_options  # the deployed environment, with its key
        else:
            try:
                options = local.function_options(self.config)
            except local.LocalRunError as error:
                raise CommandError(str(error)) from None
            # A key in the process environment only, as Lambda keeps it: not in the package.
            environment = {**options["environment"], gate.KEY_VARIABLE: self.local_function_key()}
            options = {**options, "environment": environment}
        mismatch = local.platform_mismatch(options["runtime"], options["architecture"])
        if mismatch:
            self.stderr.write(mismatch, style_func=self.style.WARNING)
        try:
            with local.LocalFunction(zip_path, **options) as function:
                outcome = function.invoke(payload)
            if function.isolation is not None and function.isolation.read_only != "mount":
                say(function.isolation.describe())
        except local.InitError as error:
            if error.log:
                self.stderr.write(error.log.rstrip("\n"), style_func=lambda text: text)
            raise CommandError(str(error)) from None
        except local.LocalRunError as error:
            raise CommandError(str(error)) from None
        report = f"Duration: {outcome.duration * 1000:.2f} ms"
        if outcome.init_duration is not None:
            report += f"  Init Duration: {outcome.init_duration * 1000:.2f} ms (cold start)"
        if log and outcome.log:
            self.stderr.write(outcome.log.rstrip("\n"), style_func=lambda text: text)
        say(f"REPORT RequestId: {outcome.request_id}  {report}")
        return outcome.payload, outcome.function_error, ""

    def stderr_note(self, text: str) -> None:
        self.stderr.write(text, style_func=self.style.NOTICE)

    def print_manage(self, result: Any) -> None:
        if not (
            isinstance(result, dict)
            and isinstance(result.get("returncode"), int)
            and isinstance(result.get("stdout"), str)
            and isinstance(result.get("stderr"), str)
        ):
            raise CommandError(
                "The function did not answer as a django_lambda handler does to "
                f"{{'manage': ...}} (returncode, stdout, stderr): {json.dumps(result)[:200]}"
            )
        self.stdout.write(result["stdout"], ending="")
        self.stderr.write(result["stderr"], ending="", style_func=lambda text: text)
        if result["returncode"] != 0:
            raise CommandError(
                f"The command exited with status {result['returncode']}.",
                returncode=result["returncode"],
            )

    def print_http(self, result: Any, format: str, output: Path | None) -> None:
        try:
            response = http_events.read_result(result, format=format)
        except http_events.MalformedResult as error:
            raise CommandError(f"The function's result is not an HTTP response: {error}") from None
        self.stdout.write(f"HTTP/1.1 {response.status} {response.reason}".rstrip())
        for name, value in response.headers:
            self.stdout.write(f"{name}: {value}")
        self.stdout.write("")
        if output is not None:
            output.write_bytes(response.body)
            self.stderr_note(f"[{len(response.body)} bytes written to {output}]")
            return
        try:
            text = response.body.decode("utf-8")
        except UnicodeDecodeError:
            self.stdout.write(f"[binary body, {len(response.body)} bytes: use -o FILE to save it]")
            return
        self.stdout.write(text, ending="" if text.endswith("\n") or not text else "\n")
