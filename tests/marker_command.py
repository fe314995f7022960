"""``write_marker PATH``, a management command that leaves a file behind: what the tests of
the command gate run, so that a refused event is seen to have run nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import management
from django.core.management.base import BaseCommand, CommandParser

from django_lambda import gate


class WriteMarker(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        Path(path).write_text("the command ran\n")
        self.stdout.write(f"wrote {path}")


def install(monkeypatch: pytest.MonkeyPatch, key: str | None = None) -> None:
    """Add ``write_marker`` to Django's commands and, given a ``key``, give it to the
    function as lambda_deploy does, in its environment."""
    commands = {**management.get_commands(), "write_marker": WriteMarker()}
    monkeypatch.setattr(management, "get_commands", lambda: commands)
    if key is not None:
        monkeypatch.setenv(gate.KEY_VARIABLE, key)
