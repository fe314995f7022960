"""The Lambda entry point: ``django_lambda.handler.lambda_handler``.

The WSGI application is built once, at import (Lambda's init phase). Each
event is then served by its shape: HTTP events from any source become a
WSGI request, ``{"manage": "...", "proof": "..."}`` runs a management command
if it passes the gate (``django_lambda.remote``, imported only then), and so
does a scheduled one (``{"schedule": ..., "manage": ..., "proof": ...}``);
``{"task": {...}, "proof": "..."}`` runs a task of Django's Tasks framework
if it passes the gate too (``django_lambda.tasks.events``, imported only
then); warm-up pings return at once.
"""

from __future__ import annotations

import json
import logging
import random
from itertools import chain
from typing import Any

from django.core.wsgi import get_wsgi_application
from django.db import connections

from django_lambda import invocation, limits
from django_lambda.conf import handler_settings
from django_lambda.events import source_for
from django_lambda.events.common import BadEvent
from django_lambda.events.results import Response, Result, bad_request

logger = logging.getLogger("django_lambda.handler")

application = get_wsgi_application()

# A result whose body and headers together hold fewer characters than this
# cannot serialise to more than the limit (no character takes more than
# MAX_CHAR_BYTES, and the keys, quotes and separators fit in the slack), so it
# is not measured.
_MEASURE_ABOVE = (limits.RESPONSE_LIMIT - 64 * 1024) // limits.MAX_CHAR_BYTES
# What serialising adds to each header around its name and value, at most:
# quotes, ": ", ", ", and for a list value its brackets.
_HEADER_OVERHEAD = 16


class UnknownEventError(ValueError):
    """An event that is neither HTTP, nor ``manage``, nor a warm-up."""


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    invocation.serving(context)
    if type(event) is dict:
        source = source_for(event)
        if source is not None:
            return _serve_http(source, event, context)
        if _is_warmup(event):
            return {"warm": True}
        if "manage" in event:
            from django_lambda import remote

            return remote.handle(event, context)
        if "task" in event:
            from django_lambda.tasks import events as task_events

            return task_events.handle(event, context)
        keys = ", ".join(sorted(map(str, event))) or "none"
    else:
        keys = f"none (the event is a {type(event).__name__}, not an object)"
    raise UnknownEventError(
        f"django-lambda cannot serve this event; its top-level keys: {keys}. "
        "It serves API Gateway (REST and HTTP APIs), Function URL, ALB, VPC Lattice "
        'and Kong aws-lambda events, {"manage": "<command>", "proof": "..."}, '
        '{"task": {...}, "proof": "..."}, {"warmup": true} and EventBridge scheduled events.'
    )


def _is_warmup(event: dict[str, Any]) -> bool:
    if event.get("warmup") is True:
        return True
    return event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event"


# --- HTTP ---------------------------------------------------------------------


def _serve_http(source: Any, event: dict[str, Any], context: Any) -> Result:
    try:
        environ = source.to_environ(event)
    except BadEvent as exc:
        return _reject(source, event, context, str(exc))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        # A shape the source never sends: still a 400, with the traceback logged.
        reason = f"Malformed {_name(source)} event: {exc!r}."
        return _reject(source, event, context, reason, exc_info=True)
    environ["lambda.event"] = event
    environ["lambda.context"] = context
    method = environ["REQUEST_METHOD"]
    # Kept now: Django replaces both in the environ with its own strs.
    script_name = environ["SCRIPT_NAME"]
    path_info = environ["PATH_INFO"]

    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        # A second call (with exc_info) replaces the first (PEP 3333).
        started[:] = (status, headers)

    try:
        iterable = application(environ, start_response)
        try:
            body = b"".join(iterable)
        finally:
            # Fires request_finished, which returns database connections.
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
    except Exception:
        logger.error(_log_line(method, script_name + path_info, context, None), exc_info=True)
        raise
    response = Response(started[0], started[1], body)
    result: Result = source.to_result(event, response, head=method == "HEAD")
    # Every source puts each response header once in its result (its value
    # stripped, Set-Cookie perhaps in a cookies list or under another spelling).
    chars = (
        len(result["body"])
        + sum(map(len, chain.from_iterable(response.headers)))
        + _HEADER_OVERHEAD * len(response.headers)
    )
    if chars > _MEASURE_ABOVE:
        result = _limit_size(source, event, method, script_name + path_info, context, result)

    if response.status >= 500:
        logger.error(_log_line(method, script_name + path_info, context, response.status))
    elif handler_settings().log_requests:
        logger.info(_log_line(method, script_name + path_info, context, response.status))
    return result


def _name(source: Any) -> str:
    return str(source.__name__).rpartition(".")[2]


def _reject(
    source: Any, event: dict[str, Any], context: Any, reason: str, *, exc_info: bool = False
) -> Result:
    line = {
        "message": "bad event",
        "source": _name(source),
        "status": 400,
        "reason": reason,
        "request_id": getattr(context, "aws_request_id", None),
    }
    logger.warning(json.dumps(line), exc_info=exc_info)
    return source.to_result(event, bad_request(reason), head=False)  # type: ignore[no-any-return]


def _limit_size(
    source: Any, event: dict[str, Any], method: str, path: str, context: Any, result: Result
) -> Result:
    size = limits.serialized_size(result)
    if size <= limits.RESPONSE_LIMIT:
        return result
    line = {
        "message": "response too large",
        "status": result["statusCode"],
        "size": size,
        "limit": limits.RESPONSE_LIMIT,
        "method": method,
        "path": _readable(path),
        "request_id": getattr(context, "aws_request_id", None),
    }
    logger.error(json.dumps(line))
    reason = (
        f"The response is {size} bytes, over AWS Lambda's limit of {limits.RESPONSE_LIMIT} bytes "
        "(6 MB) for a synchronous response."
    )
    response = Response(
        "502 Bad Gateway", [("Content-Type", "text/plain; charset=utf-8")], reason.encode()
    )
    return source.to_result(event, response, head=False)  # type: ignore[no-any-return]


def _readable(wsgi_path: str) -> str:
    # WSGI strs are latin-1 of the UTF-8 bytes (PEP 3333).
    return wsgi_path.encode("latin-1").decode("utf-8", "replace")


def _log_line(method: str, path: str, context: Any, status: int | None) -> str:
    failed = status is None or status >= 500
    return json.dumps(
        {
            "message": "request failed" if failed else "request",
            "status": status,
            "method": method,
            "path": _readable(path),
            "request_id": getattr(context, "aws_request_id", None),
        }
    )


# --- SnapStart ----------------------------------------------------------------


def before_snapshot() -> None:
    """Before the snapshot: no open database connection may be frozen into it."""
    connections.close_all()


def after_restore() -> None:
    """After a restore: connections in the snapshot are stale, and every restored
    copy would otherwise share one random state."""
    connections.close_all()
    random.seed()


def register_snapstart_hooks() -> bool:
    """Register the hooks where the runtime offers ``snapshot_restore_py``."""
    try:
        import snapshot_restore_py
    except ImportError:
        return False
    snapshot_restore_py.register_before_snapshot(before_snapshot)
    snapshot_restore_py.register_after_restore(after_restore)
    return True


register_snapstart_hooks()

__all__ = ["application", "lambda_handler"]
