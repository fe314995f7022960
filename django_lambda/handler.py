"""The Lambda entry point: ``django_lambda.handler.lambda_handler``.

The WSGI application is built once, at import (Lambda's init phase). Each
event is then served by its shape: HTTP events from any source become a
WSGI request, ``{"manage": "..."}`` runs a management command, and warm-up
pings return at once. See DESIGN.md, "Public contract".
"""

from __future__ import annotations

import json
import logging
import random
import shlex
import traceback
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connections

from django_lambda.events import source_for
from django_lambda.events.common import (
    BadEvent,
    Response,
    Result,
    bad_request,
    handler_settings,
)

logger = logging.getLogger("django_lambda.handler")

application = get_wsgi_application()

# Lambda's limit for a synchronous invocation's response payload.
RESPONSE_LIMIT = 6 * 1024 * 1024
# Serialized JSON is at most 6 bytes per body character (\u00XX escapes), so a
# body below this cannot be over the limit and is not measured.
_MEASURE_ABOVE = RESPONSE_LIMIT // 6 - 64 * 1024


class UnknownEventError(ValueError):
    """An event that is neither HTTP, nor ``manage``, nor a warm-up."""


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    if type(event) is dict:
        source = source_for(event)
        if source is not None:
            return _serve_http(source, event, context)
        if _is_warmup(event):
            return {"warm": True}
        if "manage" in event and len(event) == 1:
            return run_manage(event["manage"])
        keys = ", ".join(sorted(map(str, event))) or "none"
    else:
        keys = f"none (the event is a {type(event).__name__}, not an object)"
    raise UnknownEventError(
        f"django-lambda cannot serve this event; its top-level keys: {keys}. "
        "It serves API Gateway (REST and HTTP APIs), Function URL, ALB, VPC Lattice "
        'and Kong aws-lambda events, {"manage": "<command>"}, {"warmup": true} '
        "and EventBridge scheduled events."
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
    if len(result["body"]) > _MEASURE_ABOVE:
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
    size = len(json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size <= RESPONSE_LIMIT:
        return result
    line = {
        "message": "response too large",
        "status": result["statusCode"],
        "size": size,
        "limit": RESPONSE_LIMIT,
        "method": method,
        "path": _readable(path),
        "request_id": getattr(context, "aws_request_id", None),
    }
    logger.error(json.dumps(line))
    reason = (
        f"The response is {size} bytes, over AWS Lambda's limit of {RESPONSE_LIMIT} bytes "
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


# --- management commands ------------------------------------------------------


def run_manage(command_line: Any) -> dict[str, Any]:
    """Run a management command in this process and return its exit code and output.

    ``command_line`` is split as a shell would (``shlex``). Errors come back as
    a non-zero ``returncode`` with the message in ``stderr``; they never raise.
    """
    stdout, stderr = StringIO(), StringIO()
    if type(command_line) is not str or not command_line.strip():
        return {
            "returncode": 2,
            "stdout": "",
            "stderr": 'Give "manage" a command line as a string, e.g. '
            '{"manage": "migrate --noinput"}; got ' + repr(command_line) + ".\n",
        }
    try:
        argv = shlex.split(command_line)
    except ValueError as exc:
        return {
            "returncode": 2,
            "stdout": "",
            "stderr": f"Cannot split {command_line!r} into arguments: {exc}.\n",
        }
    returncode = 0
    with redirect_stdout(stdout), redirect_stderr(stderr):
        try:
            call_command(*argv, stdout=stdout, stderr=stderr)
        except CommandError as exc:
            stderr.write(f"CommandError: {exc}\n")
            returncode = exc.returncode
        except SystemExit as exc:
            # sys.exit(None) is success, sys.exit("message") a failure.
            returncode = int(exc.code) if isinstance(exc.code, int) else int(exc.code is not None)
            if isinstance(exc.code, str):
                stderr.write(exc.code + "\n")
        except Exception:
            # The caller gets the traceback; the log keeps it too.
            stderr.write(traceback.format_exc())
            logger.exception("Management command %r failed", command_line)
            returncode = 1
    return {"returncode": returncode, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}


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

__all__ = ["application", "lambda_handler", "run_manage"]
