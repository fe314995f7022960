"""What can go wrong running a package locally, and how a function error reads."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any


class LocalRunError(Exception):
    """The package cannot be run locally; the message says why and what to do."""


class InitError(LocalRunError):
    """The function failed in its init phase, as Lambda would report it."""

    def __init__(
        self,
        *,
        error_type: str,
        error_message: str,
        stack_trace: Sequence[str] = (),
        log: str = "",
    ) -> None:
        self.error_type = error_type
        self.error_message = error_message
        self.stack_trace = list(stack_trace)
        self.log = log
        self.missing_module = missing_module(error_message)
        message = f"The function failed to initialize: {error_type}: {error_message}"
        if self.missing_module:
            message += (
                f"\nThe package has no module {self.missing_module!r}: add the "
                "distribution that provides it to the requirements file and build "
                "again (if it is there, it may be a wheel for another platform)."
            )
        super().__init__(message)


def missing_module(error_message: str) -> str | None:
    """The module named by an ImportError's message, if the message has one."""
    match = re.search(r"No module named '([^']+)'", error_message)
    return match.group(1) if match else None


def format_function_error(error: Mapping[str, Any]) -> str:
    """errorType: errorMessage, then the stack, as Lambda's console shows a function error."""
    lines = [f"{error.get('errorType', 'Unknown')}: {error.get('errorMessage', '')}"]
    stack = error.get("stackTrace") or []
    if stack:
        lines.append("Traceback (most recent call last):")
        lines.extend(str(frame).rstrip("\n") for frame in stack)
    return "\n".join(lines)
