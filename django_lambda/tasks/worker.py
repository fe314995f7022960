"""The handler's side of a task: a task event that passed the gate (``events.handle``) is run
here, its outcome logged as one JSON line on the ``django_lambda.tasks`` logger.

A task that raises fails the invocation (the exception goes back to Lambda), so
that Lambda retries it as ``TASK_RETRIES`` says and then sends it to
``TASK_FAILURE_DESTINATION``. A refused event runs nothing and fails nothing:
there is nothing to retry.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import time
import traceback
from typing import Any

from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from django_lambda.tasks.framework import (
    FAILED,
    RUNNING,
    SUCCESSFUL,
    Task,
    TaskContext,
    TaskError,
    TaskResult,
    TaskResultStatus,
    normalize_json,
    task_finished,
    task_started,
)

logger = logging.getLogger("django_lambda.tasks")
# Lambda's Python runtime leaves the root logger at WARNING, which would hide the
# line of a task that succeeded; LOGGING can still set this logger's level.
if logger.level == logging.NOTSET:
    logger.setLevel(logging.INFO)


class TaskNotFound(LookupError):
    """The event names a task that this code does not have."""


def run(payload: dict[str, Any], request_id: str | None) -> dict[str, Any]:
    """Run the task of ``payload``, sending the framework's signals as a worker does."""
    line: dict[str, Any] = {"message": "task", "id": payload["id"], "task": payload["task"]}
    started = time.monotonic()
    try:
        task = find_task(payload)
    except Exception as error:
        line.update(status="FAILED", error=f"{type(error).__name__}: {error}")
        line["request_id"] = request_id
        logger.error(json.dumps(line), exc_info=True)
        raise
    now = timezone.now()
    result: TaskResult[Any, Any] = TaskResult(
        task=task,
        id=payload["id"],
        status=RUNNING,
        enqueued_at=datetime.datetime.fromisoformat(payload["enqueued_at"]),
        started_at=now,
        last_attempted_at=now,
        finished_at=None,
        args=payload["args"],
        kwargs=payload["kwargs"],
        backend=payload["backend"],
        errors=[],
        worker_ids=[worker_id()],
    )
    # The sender is the backend's class, as the framework's own workers send it.
    task_started.send(type(task.get_backend()), task_result=result)
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
        else:
            value = task.call(*result.args, **result.kwargs)
        returned = normalize_json(value)
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        _finish(result, FAILED, error)
        line.update(status="FAILED", error=f"{type(error).__name__}: {error}")
        line.update(seconds=round(time.monotonic() - started, 3), request_id=request_id)
        logger.error(json.dumps(line), exc_info=True)
        raise
    _finish(result, SUCCESSFUL)
    line.update(status="SUCCESSFUL", seconds=round(time.monotonic() - started, 3))
    line["request_id"] = request_id
    logger.info(json.dumps(line))
    return {"id": result.id, "status": "SUCCESSFUL", "return_value": returned}


def find_task(payload: dict[str, Any]) -> Task[Any, Any]:
    """The task the payload names, on the backend and queue it was enqueued to."""
    path = payload["task"]
    try:
        found = import_string(path)
    except ImportError as error:
        raise TaskNotFound(
            f"{path} cannot be imported ({error}): the code that enqueued it is not the code "
            "that runs it."
        ) from error
    if not isinstance(found, Task):
        raise TaskNotFound(f"{path} is a {type(found).__name__}, not a task.")
    task: Task[Any, Any] = found.using(backend=payload["backend"], queue_name=payload["queue_name"])
    return task


def _finish(
    result: TaskResult[Any, Any], status: TaskResultStatus, error: BaseException | None = None
) -> None:
    # TaskResult is immutable to its users; a worker updates it as the framework's own do.
    object.__setattr__(result, "finished_at", timezone.now())
    if error is not None:
        kind = type(error)
        result.errors.append(
            TaskError(
                exception_class_path=f"{kind.__module__}.{kind.__qualname__}",
                traceback="".join(traceback.format_exception(kind, error, error.__traceback__)),
            )
        )
    object.__setattr__(result, "status", status)
    task_finished.send(type(result.task.get_backend()), task_result=result)


def worker_id() -> str:
    """This execution environment: its log stream's name, as Lambda gives it."""
    return os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME") or get_random_string(32)
