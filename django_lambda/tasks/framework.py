"""Django's Tasks framework under one set of names: ``django.tasks`` from Django 6.0, else
the ``django-tasks`` backport (``pip install 'django-lambda[tasks]'``) on Django 4.2 to 5.2.

The two have the same shapes (the backport is what became ``django.tasks``);
only a few names differ, and are given here as Django 6.0 spells them. With
both installed, Django 6.0's own wins: it is the one ``settings.TASKS``
configures for ``django.tasks.task``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import django
from django.core.exceptions import ImproperlyConfigured

from django_lambda.tasks.installed import INSTALL_HINT, available

if TYPE_CHECKING or django.VERSION >= (6, 0):
    from django.tasks import (
        Task,
        TaskContext,
        TaskResult,
        TaskResultStatus,
        task,
        task_backends,
    )
    from django.tasks.backends.base import BaseTaskBackend
    from django.tasks.base import TaskError
    from django.tasks.exceptions import InvalidTask
    from django.tasks.signals import task_enqueued, task_finished, task_started
    from django.utils.json import normalize_json
else:
    try:
        import django_tasks  # noqa: F401
    except ImportError as error:
        raise ImproperlyConfigured(
            f"django_lambda.tasks needs a Tasks framework, and Django {django.get_version()} "
            f"has none. {INSTALL_HINT}"
        ) from error
    from django_tasks import task, task_backends
    from django_tasks.backends.base import BaseTaskBackend
    from django_tasks.base import Task, TaskContext, TaskError, TaskResult, TaskResultStatus
    from django_tasks.exceptions import InvalidTaskError as InvalidTask

    # Imported for its receivers too: without "django_tasks" in INSTALLED_APPS,
    # nothing else loads the one that resets the backends when TASKS changes.
    from django_tasks.signals import task_enqueued, task_finished, task_started
    from django_tasks.utils import normalize_json

# The statuses a worker sets, typed (django-stubs gives the members as "...").
READY = TaskResultStatus("READY")
RUNNING = TaskResultStatus("RUNNING")
SUCCESSFUL = TaskResultStatus("SUCCESSFUL")
FAILED = TaskResultStatus("FAILED")

__all__ = [
    "FAILED",
    "INSTALL_HINT",
    "READY",
    "RUNNING",
    "SUCCESSFUL",
    "BaseTaskBackend",
    "InvalidTask",
    "Task",
    "TaskContext",
    "TaskError",
    "TaskResult",
    "TaskResultStatus",
    "available",
    "normalize_json",
    "task",
    "task_backends",
    "task_enqueued",
    "task_finished",
    "task_started",
]
