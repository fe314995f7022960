"""``LambdaBackend``: ``task.enqueue()`` invokes the function it runs in, asynchronously, under
the alias it was invoked with, and the function runs the task in another execution
environment (``worker``).

What it supports, and why:

- ``supports_defer = False``: an asynchronous invocation runs as soon as Lambda
  takes it; ``run_after`` is refused at ``enqueue()``.
- ``supports_priority = False``: Lambda runs events as they come.
- ``supports_get_result = False``: nothing stores results; the outcome is a line
  in the function's log, and a failure goes where ``TASK_FAILURE_DESTINATION`` says.
- ``supports_async_task = True``: a coroutine function runs to completion in the
  worker, as ``ImmediateBackend`` runs it.
"""

from __future__ import annotations

import json
import os
from typing import Any, ParamSpec, TypeVar

from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from django_lambda import gate, invocation, limits
from django_lambda.tasks import events
from django_lambda.tasks.framework import (
    READY,
    BaseTaskBackend,
    InvalidTask,
    Task,
    TaskResult,
    task_enqueued,
)

P = ParamSpec("P")
R = TypeVar("R")


class TaskTooLarge(ValueError):
    """A task's event is over Lambda's limit for an asynchronous invocation."""


class EnqueueError(Exception):
    """The task could not be handed to Lambda; the message says why and what to do."""


class LambdaBackend(BaseTaskBackend):
    """Django's Tasks on AWS Lambda: each task is an asynchronous invocation of the same
    function (``InvocationType=Event``), which runs it when its event arrives."""

    supports_defer = False
    supports_async_task = True
    supports_get_result = False
    supports_priority = False

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        # One boto3 client per region, made on the first enqueue.
        self._clients: dict[str | None, Any] = {}

    def enqueue(
        self, task: Task[P, R], args: list[Any], kwargs: dict[str, Any]
    ) -> TaskResult[P, R]:
        self.validate_task(task)
        check_importable(task)
        # TaskResult turns the arguments into JSON's types, and refuses any other.
        result: TaskResult[P, R] = TaskResult(
            task=task,
            id=get_random_string(32),
            status=READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        key = gate.key_from()
        if key is None:
            raise EnqueueError(
                f"Cannot enqueue {task.module_path}: LambdaBackend enqueues from inside the "
                f"function (on Lambda, or under lambda_serve and lambda_invoke --local), "
                f"whose {gate.KEY_VARIABLE} proves the task, and this process has none. "
                "In tests and under runserver, configure TASKS with ImmediateBackend."
            )
        assert result.enqueued_at is not None
        payload = {
            "id": result.id,
            "task": task.module_path,
            "backend": self.alias,
            "queue_name": task.queue_name,
            "args": result.args,
            "kwargs": result.kwargs,
            "enqueued_at": result.enqueued_at.isoformat(),
        }
        self.invoke(task, encode(task, events.task_event(payload, key)))
        task_enqueued.send(type(self), task_result=result)
        return result

    def invoke(self, task: Task[Any, Any], body: bytes) -> None:
        """Hand ``body`` to Lambda as an asynchronous invocation of this same function."""
        from botocore.exceptions import BotoCoreError, ClientError

        function, region = invoke_target(task)
        try:
            self.client(region).invoke(FunctionName=function, InvocationType="Event", Payload=body)
        except ClientError as error:
            detail = error.response.get("Error", {})
            code = detail.get("Code", "")
            hint = _HINTS.get(code)
            raise EnqueueError(
                f"Cannot enqueue {task.module_path}: Lambda refused the asynchronous "
                f"invocation of {function} ({code}: {detail.get('Message')})."
                + (f" {hint}" if hint else "")
            ) from error
        except BotoCoreError as error:
            raise EnqueueError(
                f"Cannot enqueue {task.module_path}: invoking {function} failed: {error}"
            ) from error

    def client(self, region: str | None) -> Any:
        if region not in self._clients:
            # boto3 only now: a function that enqueues nothing never loads it.
            import boto3

            session: Any = boto3.session.Session()
            self._clients[region] = session.client("lambda", region_name=region)
        return self._clients[region]


_HINTS = {
    "AccessDeniedException": (
        "The function's execution role needs lambda:InvokeFunction on the function itself "
        "(its ARN and its ARN followed by :*)."
    ),
    "RequestTooLargeException": "Pass a reference (a primary key, an S3 key), not the data.",
}


def check_importable(task: Task[Any, Any]) -> None:
    """The worker finds a task by its module path: refuse one that is not there.

    That is the case when ``@task`` decorates a function that is not bound to its
    own name in its module (``refresh = task(_refresh)`` finds ``_refresh``, the
    plain function, and no task).
    """
    try:
        found = import_string(task.module_path)
    except ImportError:
        found = None
    if getattr(found, "func", None) is not task.func:
        raise InvalidTask(
            f"{task.module_path} is not the task: another process finds a task by its module "
            "path, so decorate the function with @task where it is defined, under its own name."
        )


def encode(task: Task[Any, Any], event: dict[str, Any]) -> bytes:
    """``event`` as the invocation's payload; TaskTooLarge over Lambda's limit."""
    try:
        body = json.dumps(event, allow_nan=False, separators=(",", ":")).encode()
    except ValueError as error:
        raise ValueError(f"Cannot enqueue {task.module_path}: {error} (JSON has no NaN).") from None
    if len(body) > limits.ASYNC_EVENT_LIMIT:
        raise TaskTooLarge(
            f"Cannot enqueue {task.module_path}: its event is {len(body):,} bytes, over Lambda's "
            f"limit of {limits.ASYNC_EVENT_LIMIT:,} bytes for an asynchronous invocation. "
            "Pass a reference to the data (a primary key, an S3 key) instead of the data."
        )
    return body


def invoke_target(task: Task[Any, Any]) -> tuple[str, str | None]:
    """The function to invoke, as Invoke's FunctionName, and its region.

    The ARN the current invocation came through names the function and the alias
    (or version) it runs under; outside an invocation (the init phase), Lambda's
    variables name the function and the version this code is.
    """
    arn = invocation.invoked_function_arn()
    if arn is not None:
        return arn, arn.split(":")[3] or None
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if not name:
        raise EnqueueError(
            f"Cannot enqueue {task.module_path}: this process is not a Lambda function "
            "(AWS_LAMBDA_FUNCTION_NAME is not set). In tests and under runserver, configure "
            "TASKS with ImmediateBackend."
        )
    version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
    if version and version != "$LATEST":
        name = f"{name}:{version}"
    return name, os.environ.get("AWS_REGION") or None
