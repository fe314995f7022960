"""The task event: what ``LambdaBackend.enqueue()`` sends and the worker runs, and its gate.

``{"task": {...}, "proof": "..."}``, where the payload names the task by its
module path and carries its arguments as JSON, and the proof is
``gate.make_proof(key, "task", payload)`` under the function's own key. An
HTTP client can make the function see such an object (Kong's ``aws-lambda``
plugin at its defaults hands the client's JSON over as the event), so the
worker runs nothing unless the proof holds: only code with the function's
key (the function itself) can enqueue.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django_lambda import gate

logger = logging.getLogger("django_lambda.tasks")

KIND = "task"
# The payload: the task result's id, the task's module path, the backend's alias,
# the queue, the arguments and when it was enqueued (ISO 8601).
PAYLOAD_KEYS = frozenset({"id", "task", "backend", "queue_name", "args", "kwargs", "enqueued_at"})


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The handler's entry for a task event: the gate first, so that a refused event
    imports neither the Tasks framework nor the task; then the worker runs it."""
    reason = refusal(event)
    if reason is not None:
        line = {
            "message": "task refused",
            "reason": reason,
            "task": task_path(event),
            "request_id": getattr(context, "aws_request_id", None),
        }
        logger.warning(json.dumps(line))
        return {"status": "REFUSED", "reason": reason}
    from django_lambda.tasks import worker

    return worker.run(event[KIND], getattr(context, "aws_request_id", None))


def task_event(payload: dict[str, Any], key: str) -> dict[str, Any]:
    """The event that runs the task ``payload`` describes in a function whose key is ``key``."""
    return {KIND: payload, gate.PROOF_FIELD: gate.make_proof(key, KIND, payload)}


def refusal(event: dict[str, Any]) -> str | None:
    """Why the task in ``event`` may not run, or None if it may. Never names the key or proof."""
    reason = gate.refusal(
        event,
        kind=KIND,
        payload=event[KIND],
        keys=(KIND, gate.PROOF_FIELD),
        name="a task event",
        what="this task",
        remedy="Tasks are enqueued with the task's enqueue().",
    )
    if reason is not None:
        return reason
    payload = event[KIND]
    if type(payload) is not dict or set(payload) != PAYLOAD_KEYS:
        keys = sorted(map(str, payload)) if type(payload) is dict else type(payload).__name__
        return (
            f"the task's payload is not the one this version of django-lambda makes (it has "
            f"{keys}): enqueue it again from the deployed code."
        )
    return None


def task_path(event: dict[str, Any]) -> str | None:
    """The module path the event names as its task, for the log (cut short), if any."""
    payload = event.get(KIND)
    path = payload.get("task") if type(payload) is dict else None
    return path[:200] if type(path) is str else None
