"""Tasks for the tests of django_lambda.tasks: each leaves a trace a test can look for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django_lambda.tasks.framework import TaskContext, task


@task
def write_marker(path: str, text: str = "the task ran\n") -> int:
    """Write ``text`` to ``path``; return how many characters were written."""
    return Path(path).write_text(text)


@task(takes_context=True)
def write_own_id(context: TaskContext[Any, Any], path: str) -> None:
    Path(path).write_text(context.task_result.id)


@task
def fail(message: str) -> None:
    raise RuntimeError(message)


@task
async def write_marker_async(path: str) -> None:
    Path(path).write_text("the async task ran\n")


def _hidden(path: str) -> None:
    Path(path).write_text("never\n")


# A task that its module path does not find (the name is the plain function's).
misplaced: Any = task(_hidden)
