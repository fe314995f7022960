"""A small implementation of the Lambda Runtime API (version 2018-06-01) on 127.0.0.1.

It is what ``awslambdaric`` talks to instead of Lambda's own service, one
server per execution environment, served from a thread.
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
"""

from __future__ import annotations

import http.server
import json
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


@dataclass
class Invocation:
    """One event on its way through the Runtime API."""

    request_id: str
    payload: bytes
    deadline_ms: int
    done: threading.Event = field(default_factory=threading.Event)
    response: bytes | None = None
    # The body the runtime posted to /error (errorType, errorMessage, stackTrace).
    error: dict[str, Any] | None = None


class RuntimeAPI:
    """The Lambda Runtime API for one execution environment, on 127.0.0.1.

    ``submit()`` queues an event; the runtime's ``GET .../invocation/next``
    receives it; its ``POST .../response`` or ``.../error`` completes it.
    Each environment has its own server, so it never sees another's events.
    """

    def __init__(self, *, function_arn: str, timeout: float) -> None:
        self.function_arn = function_arn
        self.timeout = timeout
        self._changed = threading.Condition()
        self._queue: list[Invocation] = []
        self._by_id: dict[str, Invocation] = {}
        self.next_calls = 0
        self.init_error: dict[str, Any] | None = None
        self._server = _RuntimeServer(("127.0.0.1", 0), _RuntimeRequestHandler)
        self._server.api = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="lambda-runtime-api",
            daemon=True,
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """host:port, the value of ``AWS_LAMBDA_RUNTIME_API``."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._changed:
            self._changed.notify_all()

    def submit(self, payload: bytes) -> Invocation:
        invocation = Invocation(
            request_id=str(uuid.uuid4()),
            payload=payload,
            deadline_ms=int((time.time() + self.timeout) * 1000),
        )
        with self._changed:
            self._by_id[invocation.request_id] = invocation
            self._queue.append(invocation)
            self._changed.notify_all()
        return invocation

    def wait(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        """Wait until ``predicate()`` is true (re-checked on every state change)."""
        with self._changed:
            return bool(self._changed.wait_for(predicate, timeout))

    # Called from the server's threads.

    def next_invocation(self) -> Invocation | None:
        with self._changed:
            self.next_calls += 1
            self._changed.notify_all()
            while not self._queue:
                if not self._changed.wait(timeout=1.0) and self._server.closing:
                    return None
            return self._queue.pop(0)

    def complete(
        self, request_id: str, *, response: bytes | None, error: dict[str, Any] | None
    ) -> bool:
        with self._changed:
            invocation = self._by_id.pop(request_id, None)
            if invocation is None:
                return False
            invocation.response = response
            invocation.error = error
            invocation.done.set()
            self._changed.notify_all()
            return True

    def fail_init(self, error: dict[str, Any]) -> None:
        with self._changed:
            self.init_error = error
            self._changed.notify_all()

    def abandon(self, error: dict[str, Any]) -> None:
        """Complete every invocation still open with ``error`` (the process is gone)."""
        with self._changed:
            for invocation in self._by_id.values():
                invocation.error = error
                invocation.done.set()
            self._by_id.clear()
            self._queue.clear()
            self._changed.notify_all()


class _RuntimeServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    api: RuntimeAPI
    closing = False

    def shutdown(self) -> None:
        self.closing = True
        super().shutdown()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The runtime process going away mid-request is routine (crash, timeout, close).
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("runtime api: connection from %s dropped", client_address)
        else:
            super().handle_error(request, client_address)


_PREFIX = "/2018-06-01/runtime"
_INVOCATION_PATH = re.compile(rf"^{_PREFIX}/invocation/([^/]+)/(response|error)$")


class _RuntimeRequestHandler(http.server.BaseHTTPRequestHandler):
    # Headers and body go out in separate writes: without this, Nagle's
    # algorithm and delayed ACKs add ~40 ms to every keep-alive exchange.
    disable_nagle_algorithm = True
    # awslambdaric's HTTP client waits forever on an HTTP/1.0 reply; 1.1
    # needs Content-Length on every response to keep the connection usable.
    protocol_version = "HTTP/1.1"
    server: _RuntimeServer

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("runtime api: " + format, *args)

    def _reply(
        self, status: int, body: Mapping[str, Any] | bytes, headers: Mapping[str, str] | None = None
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        api = self.server.api
        if self.path != f"{_PREFIX}/invocation/next":
            self._reply(404, {"errorType": "NotFound", "errorMessage": self.path})
            return
        invocation = api.next_invocation()
        if invocation is None:
            self._reply(503, {"errorType": "ServiceUnavailable", "errorMessage": "shutting down"})
            return
        self._reply(
            200,
            invocation.payload,
            {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                "Lambda-Runtime-Trace-Id": _trace_id(),
            },
        )

    def do_POST(self) -> None:
        api = self.server.api
        body = self._body()
        if self.path == f"{_PREFIX}/init/error":
            api.fail_init(_error_body(body, self.headers.get("Lambda-Runtime-Function-Error-Type")))
            self._reply(202, {"status": "OK"})
            return
        match = _INVOCATION_PATH.match(self.path)
        if not match:
            self._reply(404, {"errorType": "NotFound", "errorMessage": self.path})
            return
        request_id, kind = match.groups()
        if kind == "response":
            known = api.complete(request_id, response=body, error=None)
        else:
            error = _error_body(body, self.headers.get("Lambda-Runtime-Function-Error-Type"))
            known = api.complete(request_id, response=None, error=error)
        if known:
            self._reply(202, {"status": "OK"})
        else:
            self._reply(
                400,
                {
                    "errorType": "InvalidRequestID",
                    "errorMessage": f"unknown request id {request_id}",
                },
            )


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0"


def _error_body(body: bytes, error_type: str | None) -> dict[str, Any]:
    try:
        error = json.loads(body)
    except ValueError:
        error = None
    if not isinstance(error, dict):
        error = {"errorMessage": body.decode("utf-8", "replace")}
    error.setdefault("errorType", error_type or "Unknown")
    error.setdefault("stackTrace", [])
    return error
