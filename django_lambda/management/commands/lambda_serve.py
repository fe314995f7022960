"""``lambda_serve``: serve the built package over HTTP, run as Lambda runs it."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_lambda import aws, gate, local
from django_lambda.configuration import DeployConfig
from django_lambda.deploy import local_run
from django_lambda.local import front_door
from django_lambda.management.local_run import LocalRunCommandMixin
from django_lambda.sandbox import SandboxInfo


class Command(LocalRunCommandMixin, BaseCommand):
    help = (
        "Serve the deploy package at http://127.0.0.1:8000 ([addr:]port as runserver takes it): "
        "each request becomes the event the function's URL would send (payload 2.0 by default, "
        "its host and https) and goes to a small pool of local function processes running the "
        "package under the Lambda runtime client."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "addrport",
            nargs="?",
            help="Port, or address:port, to listen on, as runserver takes them "
            "(8080, 0.0.0.0:8000, [::1]:8000; port 0: any free port).",
        )
        parser.add_argument(
            "--ipv6", "-6", action="store_true", dest="use_ipv6", help="Listen on IPv6 (::1)."
        )
        parser.add_argument("--addr", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument(
            "--port", type=int, help="Port to listen on (default 8000; 0: any free port)."
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=2,
            help="Function processes; each serves one request at a time, as on Lambda.",
        )
        self.add_format_argument(parser)
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

    def run_in_sandbox(self, info: SandboxInfo, config: DeployConfig, **options: Any) -> None:
        package = self.use_deployed_package(info, config, options["alias"])
        self.run(config, **{**options, "package": package})

    def run(
        self,
        config: DeployConfig,
        *,
        addrport: str | None,
        use_ipv6: bool,
        addr: str | None,
        port: int | None,
        concurrency: int,
        format: str,
        package: Path | None,
        alias: str | None,
        **options: Any,
    ) -> None:
        addr, port = self.address(addrport, use_ipv6, addr, port)
        if concurrency < 1:
            raise CommandError(f"--concurrency must be 1 or more, not {concurrency}.")
        try:
            run = local_run.local_run(
                config,
                package=package,
                deployed=self.sandbox_options,
                say=self.note,
                warn=self.warn,
            )
            public_host = front_door.public_host(
                config, qualifier=alias, lookup=self.sandbox_options is not None
            )
        except (local.LocalRunError, aws.DeployError) as error:
            raise CommandError(str(error)) from None
        # A key of this run's own, as lambda_deploy gives the function one, unless the
        # sandbox's deployed function has its own: the tasks' proofs need it.
        environment = run.options["environment"]
        environment.setdefault(gate.KEY_VARIABLE, gate.new_key())
        try:
            local.serve(
                run.package,
                addr,
                port,
                concurrency=concurrency,
                event_format=format,
                public_host=public_host,
                task_retries=config.task_retries,
                say=self.log,
                **run.options,
            )
        except local.InitError as error:
            raise self.init_failed(error) from None
        except (local.LocalRunError, OSError) as error:
            raise CommandError(f"Cannot serve {run.package} on {addr}:{port}: {error}") from None

    def address(
        self, addrport: str | None, use_ipv6: bool, addr: str | None, port: int | None
    ) -> tuple[str, int]:
        """The address and port to listen on, from runserver's ``[addrport]`` or the options."""
        from django.core.management.commands.runserver import naiveip_re

        if addrport is not None:
            if addr is not None or port is not None:
                raise CommandError(
                    f"Give the address either as {addrport!r} or with --addr/--port, not both."
                )
            match = naiveip_re.match(addrport)
            if match is None:
                raise CommandError(f"{addrport!r} is not a valid port number or address:port pair.")
            addr, _, ipv6, _, port_text = match.groups()
            if ipv6:
                addr, use_ipv6 = addr[1:-1], True
            port = int(port_text)
        if not addr:
            addr = "::1" if use_ipv6 else "127.0.0.1"
        port = 8000 if port is None else port
        if not 0 <= port <= 65535:
            raise CommandError(f"The port must be between 0 and 65535, not {port}.")
        return addr, port

    def log(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
