"""``lambda_logs``: the function's CloudWatch Logs, each event on one line with its time and
request id; ``--follow`` keeps printing new ones until Ctrl-C."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import datetime, timezone
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_lambda import aws
from django_lambda.configuration import DeployConfig
from django_lambda.management.sandbox import SandboxCommandMixin, function_name_of


class Command(SandboxCommandMixin, BaseCommand):
    help = (
        "Print the function's CloudWatch Logs (/aws/lambda/<FUNCTION_NAME>): the last 10 "
        "minutes, or since --since; --follow keeps printing new events until Ctrl-C."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--since",
            default="10m",
            help="How far back: a duration (30s, 10m, 1h, 2d) or an ISO time, UTC unless it "
            "names its zone (default: 10m).",
        )
        parser.add_argument(
            "-f",
            "--follow",
            action="store_true",
            help="Keep printing new events as they come, until Ctrl-C.",
        )
        parser.add_argument(
            "--filter",
            metavar="PATTERN",
            help="Only the events that match this CloudWatch Logs filter pattern, e.g. "
            "'ERROR' or '\"Task timed out\"'.",
        )
        self.add_sandbox_arguments(parser)

    def run(
        self,
        config: DeployConfig,
        *,
        since: str,
        follow: bool,
        filter: str | None,
        **options: Any,
    ) -> None:
        name = function_name_of(config)
        try:
            start = aws.parse_since(since, datetime.now(timezone.utc))
        except ValueError as error:
            raise CommandError(str(error)) from None
        reader = aws.LogReader(aws.Aws.of(config), name, pattern=filter)
        try:
            if follow:
                for event in reader.follow(start):
                    self.show(event)
                return
            events = reader.events(start)
        except aws.DeployError as error:
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            return
        for event in events:
            self.show(event)
        if not events and options["verbosity"] >= 1:
            matching = f" matching {filter!r}" if filter else ""
            self.stderr.write(
                f"No log events{matching} in {reader.group} since {start:%Y-%m-%d %H:%M:%S} UTC.",
                style_func=self.style.NOTICE,
            )

    def show(self, event: aws.LogEvent) -> None:
        # Django's style is plain text unless stdout is a terminal that takes colour.
        when = self.style.HTTP_INFO(f"{event.time:%Y-%m-%d %H:%M:%S.%f}"[:-3])
        request = self.style.NOTICE(event.request_id or "-")
        message = event.message
        if message.startswith(("START ", "END ", "REPORT ")):
            message = self.style.HTTP_NOT_MODIFIED(message)
        self.stdout.write(f"{when} {request} {message}")
        self.stdout.flush()
