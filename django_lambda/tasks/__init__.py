"""Django's Tasks framework on Lambda: ``TASKS = {"default": {"BACKEND":
"django_lambda.tasks.LambdaBackend"}}``.

- ``backend``: :class:`LambdaBackend`, whose ``enqueue()`` invokes the same
  function asynchronously with a task event;
- ``events``: the task event, and the gate it must pass before anything else
  is imported;
- ``worker``: the handler's side, which runs a task event and logs its outcome;
- ``framework``: ``django.tasks`` (Django 6.0+) or the ``django-tasks`` backport.

The names below are loaded on first use, so that the handler can check a task
event's proof without importing the framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_lambda.tasks.backend import EnqueueError, LambdaBackend, TaskTooLarge

__all__ = ["EnqueueError", "LambdaBackend", "TaskTooLarge"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from django_lambda.tasks import backend

        return getattr(backend, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
