"""Asynchronous invocations in a local run: what a function sends itself (a task's ``enqueue()``)
runs in other local function processes, as Lambda runs it in other execution environments.

:class:`AsyncRuns` is Lambda's side of ``InvocationType=Event`` for one local
function: the Invoke API its processes reach (``invoke_api``), the queue of
events taken, and execution environments of its own that run them one after
another, their log said as they finish. A failed event is retried as Lambda
retries it (``TASK_RETRIES`` times, 2 unless set), at once rather than a
minute or two later.
"""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path
from typing import Any

from django_lambda.local.errors import LocalRunError, format_function_error
from django_lambda.local.invoke_api import InvokeAPI
from django_lambda.local.pool import FunctionPool
from django_lambda.progress import Say, quiet

# Lambda's retries of a failed asynchronous invocation when none are configured.
DEFAULT_RETRIES = 2
# What boto3 signs with when this process passes no credentials on: Lambda always
# gives a function its role's, and the local Invoke API checks no signature.
_PLACEHOLDER_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local-run",
    "AWS_SECRET_ACCESS_KEY": "local-run",
}


class AsyncRuns:
    """The asynchronous invocations of the function ``function_name``: taken at
    :attr:`endpoint`, run in ``size`` processes of ``package`` (a zip or a directory) with
    ``function_options``, each event's log said with ``say``.

    Give the function's processes :meth:`variables` (the request's and these), so
    that their ``lambda.invoke`` reaches it.
    """

    def __init__(
        self,
        package: Path,
        *,
        size: int = 1,
        retries: int | None = None,
        say: Say = quiet,
        **function_options: Any,
    ) -> None:
        self.say = say
        self.retries = DEFAULT_RETRIES if retries is None else retries
        self.api = InvokeAPI(function_options["function_name"], self.accept)
        environment = {**function_options.get("environment", {}), **self.variables()}
        self.pool = FunctionPool(
            package, size=size, **{**function_options, "environment": environment}
        )
        self._events: queue.SimpleQueue[tuple[str, bytes] | None] = queue.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        self._workers = [
            threading.Thread(target=self._work, name=f"lambda-async-{n}", daemon=True)
            for n in range(size)
        ]
        for worker in self._workers:
            worker.start()

    def __enter__(self) -> AsyncRuns:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def endpoint(self) -> str:
        return self.api.endpoint

    def variables(self) -> dict[str, str]:
        """What a function process needs in its environment to invoke itself here."""
        variables = {"AWS_ENDPOINT_URL_LAMBDA": self.endpoint}
        if "AWS_ACCESS_KEY_ID" not in os.environ:
            variables.update(_PLACEHOLDER_CREDENTIALS)
        return variables

    def accept(self, request_id: str, payload: bytes) -> None:
        """Queue an event the Invoke API took (it has answered 202 already)."""
        with self._idle:
            self._pending += 1
        self._events.put((request_id, payload))

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every event taken so far, and every one they sent, has run."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Stop taking events, end the processes; events still queued are dropped."""
        self.api.close()
        for _ in self._workers:
            self._events.put(None)
        self.pool.close()

    def _work(self) -> None:
        while (item := self._events.get()) is not None:
            try:
                self._run(*item)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _run(self, request_id: str, payload: bytes) -> None:
        import json

        event = json.loads(payload or b"null")
        for attempt in range(self.retries + 1):
            try:
                result = self.pool.invoke(event)
            except LocalRunError as error:
                self.say(f"Asynchronous event {request_id}: {error}")
                log = getattr(error, "log", "")
                if log:
                    self.say(str(log).rstrip("\n"))
                return
            if result.log:
                self.say(result.log.rstrip("\n"))
            tried = f" (retry {attempt} of {self.retries})" if attempt else ""
            if result.function_error is None:
                self.say(f"Asynchronous event {request_id}{tried}: done  {result.report()}")
                return
            self.say(
                f"Asynchronous event {request_id}{tried} failed  {result.report()}\n"
                + format_function_error(result.function_error)
            )
        self.say(
            f"Asynchronous event {request_id}: no retries left; Lambda would now drop it, or "
            "send it to DJANGO_LAMBDA['TASK_FAILURE_DESTINATION'] when that is set."
        )
