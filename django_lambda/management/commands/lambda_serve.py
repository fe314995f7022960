"""``lambda_serve``: serve the built package over HTTP, run as Lambda runs it."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_lambda import http_events, local
from django_lambda.management.sandbox import SandboxCommandMixin
from django_lambda.sandbox import SandboxInfo


class Command(SandboxCommandMixin, BaseCommand):
    help = (
        "Serve the deploy package at http://127.0.0.1:8000: each request becomes the event an "
        "AWS front door would send (payload 2.0 by default) and goes to a small pool of local "
        "function processes running the package under the Lambda runtime client."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument(
            "--port", type=int, default=8000, help="Port to listen on (0: any free port)."
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=2,
            help="Function processes; each serves one request at a time, as on Lambda.",
        )
        parser.add_argument(
            "--format",
            choices=http_events.FORMATS,
            default="v2",
            help="Event shape: v2 (HTTP API / Function URL, default), v1 (REST API) or alb.",
        )
        parser.add_argument(
            "--package",
            type=Path,
            help="Serve this package zip instead of the project's (built if missing or stale).",
        )
        parser.add_argument(
            "--alias",
            help="With --sandbox: serve this alias or version (default: DJANGO_LAMBDA['ALIAS']).",
        )
        self.add_sandbox_arguments(parser)

    def check_sandbox_options(self, *, sandbox: bool, **options: Any) -> None:
        if not sandbox and options["alias"]:
            raise CommandError("--alias picks what the sandbox serves: add --sandbox.")
        if sandbox and options["package"]:
            raise CommandError("--sandbox serves the code deployed to the sandbox: drop --package.")

    def run_in_sandbox(self, info: SandboxInfo, **options: Any) -> None:
        package = self.use_deployed_package(info, options["alias"])
        self.run(**{**options, "package": package})

    def run(
        self,
        *,
        addr: str,
        port: int,
        concurrency: int,
        format: str,
        package: Path | None,
        **options: Any,
    ) -> None:
        from django_lambda import build

        if concurrency < 1:
            raise CommandError(f"--concurrency must be 1 or more, not {concurrency}.")
        if not 0 <= port <= 65535:
            raise CommandError(f"--port must be between 0 and 65535, not {port}.")
        try:
            zip_path = package or local.local_package(write=self.note)
        except build.BuildError as error:
            raise CommandError(f"Building the package failed: {error}") from None
        try:
            function_options = self.sandbox_options or local.function_options()
        except local.LocalRunError as error:
            raise CommandError(str(error)) from None
        mismatch = local.platform_mismatch(
            function_options["runtime"], function_options["architecture"]
        )
        if mismatch:
            self.stdout.write(mismatch, style_func=self.style.WARNING)
        try:
            local.serve(
                zip_path,
                addr,
                port,
                concurrency=concurrency,
                event_format=format,
                write=self.log,
                **function_options,
            )
        except local.InitError as error:
            if error.log:
                self.stderr.write(error.log.rstrip("\n"), style_func=lambda text: text)
            raise CommandError(str(error)) from None
        except (local.LocalRunError, OSError) as error:
            raise CommandError(f"Cannot serve {zip_path} on {addr}:{port}: {error}") from None

    def note(self, text: str) -> None:
        self.stdout.write(text, style_func=self.style.NOTICE)

    def log(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
