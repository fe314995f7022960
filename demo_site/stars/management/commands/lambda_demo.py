"""``manage.py lambda_demo``: the whole product in one command, against the embedded AWS."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from django_lambda.conf import lambda_settings


class Command(BaseCommand):
    help = (
        "The demo: deploy this site to the embedded AWS sandbox, invoke / and a remote "
        "`check` in the deployed function, then serve the deployed code at "
        "http://127.0.0.1:8000 until Ctrl-C, and end the sandbox. Each step is a command "
        "you can also run by hand; they are printed as they run."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on.")
        parser.add_argument(
            "--keep-sandbox",
            action="store_true",
            help="Leave the sandbox running at the end (the next run starts faster); "
            "end it later with `manage.py lambda_deploy --sandbox-stop`.",
        )

    def handle(self, *, port: int, keep_sandbox: bool, verbosity: int, **options: Any) -> None:
        page = lambda_settings.build_dir / "demo-index.html"
        try:
            self.step("lambda_deploy --sandbox")
            call_command("lambda_deploy", sandbox=True, verbosity=verbosity)
            self.step(f"lambda_invoke --sandbox GET / -o {page}")
            call_command("lambda_invoke", "GET", "/", sandbox=True, output=page)
            self.step("lambda_invoke --sandbox --manage check")
            call_command("lambda_invoke", sandbox=True, manage="check")
            self.step(f"lambda_serve --sandbox --port {port}")
            call_command("lambda_serve", sandbox=True, port=port)
        finally:
            if keep_sandbox:
                self.stdout.write(
                    "The sandbox is still running; end it with "
                    "`python manage.py lambda_deploy --sandbox-stop`."
                )
            else:
                self.step("lambda_deploy --sandbox-stop")
                call_command("lambda_deploy", sandbox_stop=True)

    def step(self, command: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"\n$ python manage.py {command}"))
