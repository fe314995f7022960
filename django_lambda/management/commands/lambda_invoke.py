"""``lambda_invoke``: send one HTTP request, management command or raw event to the function.

The command parses and prints; ``django_lambda.invoke`` makes the event and sends it.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from django_lambda import aws, invoke, local
from django_lambda.configuration import DeployConfig
from django_lambda.events import client
from django_lambda.management.local_run import LocalRunCommandMixin
from django_lambda.management.sandbox import function_name_of
from django_lambda.sandbox import SandboxInfo


class Command(LocalRunCommandMixin, BaseCommand):
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
        self.add_format_argument(parser)
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
        if package and not run_local:
            raise CommandError("--package runs a package locally: add --local.")
        request: client.Request | None = None
        payload: Any = None
        if manage is None and event is None:
            request = self.http_request(method, path, headers, data, data_file)
        elif method or path or headers or data is not None or data_file or output:
            raise CommandError(
                "An HTTP request (METHOD PATH, -H, -d, -o) cannot go with --manage or --event."
            )
        elif event is not None:
            payload = self.read_event(event)
        target = self.target(config, run_local, package, alias, qualifier)
        try:
            # Made once the target is known: it gives the host, or the command's key.
            if request is not None:
                payload = target.http_event(request, format=format)
            elif manage is not None:
                payload = target.command_event(manage)
            outcome = target.invoke(payload, log=log)
        except local.InitError as error:
            raise self.init_failed(error) from None
        except (aws.DeployError, local.LocalRunError) as error:
            raise CommandError(str(error)) from None
        self.print_outcome(outcome, log=log)
        if manage is not None:
            self.print_manage(outcome.payload)
        elif event is not None:
            self.stdout.write(json.dumps(outcome.payload, indent=2))
        else:
            self.print_http(outcome.payload, format, output)

    def target(
        self,
        config: DeployConfig,
        run_local: bool,
        package: Path | None,
        alias: str | None,
        qualifier: str | None,
    ) -> invoke.Target:
        """The function to invoke: deployed, run here, or (--sandbox) deployed and run here."""
        if run_local and self.sandbox_options is None:
            return invoke.Local(config, package=package, alias=alias, say=self.note, warn=self.warn)
        deployed = invoke.Deployed(
            config, function_name_of(config), alias=alias, qualifier=qualifier
        )
        if not run_local:
            return deployed
        assert package is not None and self.sandbox_options is not None
        return invoke.InSandbox(
            deployed, self.sandbox_options, package=package, say=self.note, warn=self.warn
        )

    @property
    def notes(self) -> OutputWrapper:
        return self.stderr

    def read_event(self, path: Path) -> Any:
        try:
            text = sys.stdin.read() if str(path) == "-" else path.read_text()
        except OSError as error:
            raise CommandError(f"Cannot read the event file {path}: {error.strerror}.") from None
        try:
            return json.loads(text)
        except ValueError as error:
            raise CommandError(f"The event in {path} is not JSON: {error}.") from None

    def http_request(
        self,
        method: str | None,
        path: str | None,
        headers: list[str],
        data: str | None,
        data_file: Path | None,
    ) -> client.Request:
        """The request that METHOD PATH -H -d describe, as curl would send it."""
        if not method or not path:
            raise CommandError(
                "Give a method and a path (e.g. GET /), or --manage COMMAND, or --event FILE."
            )
        if not path.startswith("/"):
            raise CommandError(f"The path {path!r} must start with '/'.")
        try:
            parsed = [client.parse_header(line) for line in headers]
        except ValueError as error:
            raise CommandError(str(error)) from None
        if data_file is None:
            body = (data or "").encode()
        else:
            try:
                body = data_file.read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {data_file}: {error.strerror}.") from None
        if body and not any(name.lower() == "content-type" for name, _ in parsed):
            # As curl -d does.
            parsed.append(("Content-Type", "application/x-www-form-urlencoded"))
        return client.Request.from_target(method.upper(), path, headers=parsed, body=body)

    def print_outcome(self, outcome: invoke.Outcome, *, log: bool) -> None:
        """The function's log (with --log), the local run's report, and a function error."""
        if log and outcome.log:
            self.stderr.write(outcome.log.rstrip("\n"), style_func=lambda text: text)
        if outcome.report:
            self.note(outcome.report)
        error = outcome.function_error
        if error is not None:
            self.stderr.write(local.format_function_error(error))
            raise CommandError(f"The function failed: {error.get('errorType', 'Unknown')}")

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
            response = client.read_result(result, format=format)
        except client.MalformedResult as error:
            raise CommandError(f"The function's result is not an HTTP response: {error}") from None
        self.stdout.write(f"HTTP/1.1 {response.status} {response.reason}".rstrip())
        for name, value in response.headers:
            self.stdout.write(f"{name}: {value}")
        self.stdout.write("")
        if output is not None:
            output.write_bytes(response.body)
            self.note(f"[{len(response.body)} bytes written to {output}]")
            return
        try:
            text = response.body.decode("utf-8")
        except UnicodeDecodeError:
            self.stdout.write(f"[binary body, {len(response.body)} bytes: use -o FILE to save it]")
            return
        self.stdout.write(text, ending="" if text.endswith("\n") or not text else "\n")
