"""What ``lambda_invoke`` and ``lambda_serve`` share as commands that run the package here: their
common options, where their notes go, and how a failed init phase is reported."""

from __future__ import annotations

from argparse import ArgumentParser

from django.core.management.base import CommandError, OutputWrapper

from django_lambda import local
from django_lambda.events import client
from django_lambda.management.sandbox import SandboxCommandMixin


class LocalRunCommandMixin(SandboxCommandMixin):
    """The sandbox's options and steps, and the local run's; a command lists it first."""

    def add_format_argument(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--format",
            choices=client.FORMATS,
            default="v2",
            help="Event shape: v2 (HTTP API / Function URL, default), v1 (REST API) or alb.",
        )

    @property
    def notes(self) -> OutputWrapper:
        """Where notes and warnings go (lambda_invoke keeps stdout for the function's answer)."""
        return self.stdout

    def note(self, text: str) -> None:
        self.notes.write(text, style_func=self.style.NOTICE)

    def warn(self, text: str) -> None:
        self.notes.write(text, style_func=self.style.WARNING)

    def init_failed(self, error: local.InitError) -> CommandError:
        """The error to raise for ``error``, once the function's log is on stderr."""
        if error.log:
            self.stderr.write(error.log.rstrip("\n"), style_func=lambda text: text)
        return CommandError(str(error))
