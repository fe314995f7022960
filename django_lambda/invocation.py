"""The invocation this process is serving, for code that runs within it.

Lambda runs one event at a time in an execution environment, so the handler
records each event's context here before it serves it, and code deeper down
(the Tasks backend, to invoke the same function under the same alias) reads
it without being handed it. Standard library only: the handler imports it on
every path.
"""

from __future__ import annotations

from typing import Any

_context: Any = None


def serving(context: Any) -> None:
    """Record ``context`` (the runtime's ``LambdaContext``) as the current invocation's."""
    global _context
    _context = context


def current_context() -> Any:
    """The context of the invocation being served; None before the first, or outside Lambda."""
    return _context


def invoked_function_arn() -> str | None:
    """The ARN the current invocation was invoked with: the function's, with the alias or
    version it was invoked under (none for ``$LATEST``)."""
    arn = getattr(_context, "invoked_function_arn", None)
    return arn if isinstance(arn, str) and arn.startswith("arn:") else None
