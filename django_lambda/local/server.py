"""``lambda_serve``'s HTTP server: each request becomes the event the function's front door
would send, and goes through a pool of local functions."""

from __future__ import annotations

import contextlib
import dataclasses
import http.server
import logging
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django_lambda.events import client
from django_lambda.local import front_door
from django_lambda.local.async_runs import AsyncRuns
from django_lambda.local.errors import InitError, format_function_error
from django_lambda.local.function import InvokeResult
from django_lambda.local.pool import FunctionPool
from django_lambda.progress import Say, quiet

logger = logging.getLogger(__name__)


# Hop-by-hop headers are the server's business, not the function's.
_HOP_BY_HOP = {"connection", "content-length", "keep-alive", "transfer-encoding", "upgrade"}


class LocalServer(http.server.ThreadingHTTPServer):
    """An HTTP server on the local machine that sends each request through a pool.

    A request becomes the event that ``event_format``'s front door would send,
    and the function's result goes back the way that front door returns it.
    """

    daemon_threads = True
    # socketserver's backlog of 5 drops connections from a burst of clients,
    # which then wait a second to retry; the kernel caps this at somaxconn.
    request_queue_size = socket.SOMAXCONN

    def __init__(
        self,
        address: tuple[str, int],
        pool: FunctionPool,
        *,
        event_format: str = "v2",
        public_host: str | None = None,
        say: Say = quiet,
    ) -> None:
        client.check_format(event_format)
        self.pool = pool
        self.event_format = event_format
        # Each request reaches the function as if through its URL on this host.
        self.public = front_door.PublicOrigin(public_host) if public_host else None
        self.say = say
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _LocalRequestHandler)

    @property
    def url(self) -> str:
        address, port = self.server_address[:2]
        host = str(address)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _LocalRequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: LocalServer

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("lambda_serve: " + format, *args)

    def version_string(self) -> str:
        return "django-lambda lambda_serve"

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        server = self.server
        # The origin the browser sees: this server, under the name it used.
        local_origin = "http://" + str(self.headers.get("Host") or server.url.partition("//")[2])
        try:
            result = server.pool.invoke(self._event(local_origin))
        except InitError as error:
            server.say(str(error))
            server.say(error.log)
            self._send(_gateway_error())
            return
        if result.log:
            server.say(result.log.rstrip("\n"))
        response = self._response(result, local_origin)
        server.say(
            f"[{self.log_date_time_string()}] "
            f'"{self.requestline}" {response.status} {len(response.body)}  {result.report()}'
        )
        self._send(response)

    def _event(self, local_origin: str) -> dict[str, Any]:
        """The event the function's front door would send for this request."""
        server = self.server
        headers = [
            (name, value) for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP
        ]
        if server.public is not None:
            headers = server.public.to_function(headers, local_origin)
        request = client.Request.from_target(
            self.command,
            self.path,
            headers=headers,
            body=self._read_body(),
            source_ip=self.client_address[0],
        )
        return client.make_event(request, format=server.event_format)

    def _response(self, result: InvokeResult, local_origin: str) -> client.HTTPResult:
        """What the front door answers with ``result``: a 502 when the function failed."""
        server = self.server
        if result.function_error is not None:
            server.say(format_function_error(result.function_error))
            return _gateway_error()
        try:
            response = client.read_result(result.payload, format=server.event_format)
        except client.MalformedResult as error:
            server.say(f"Malformed result from the function: {error}")
            return _gateway_error()
        if server.public is None:
            return response
        headers = server.public.to_browser(response.headers, local_origin)
        return dataclasses.replace(response, headers=headers)

    def _send(self, response: client.HTTPResult) -> None:
        self.send_response(response.status, response.reason)
        for name, value in response.headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


def _gateway_error() -> client.HTTPResult:
    # What API Gateway and Function URLs answer when the function fails.
    body = b'{"message":"Internal Server Error"}'
    return client.HTTPResult(502, "Bad Gateway", [("Content-Type", "application/json")], body)


def serve(
    package: Path,
    addr: str = "127.0.0.1",
    port: int = 8000,
    *,
    concurrency: int = 2,
    event_format: str = "v2",
    public_host: str | None = None,
    task_retries: int | None = None,
    say: Say = quiet,
    **function_options: Any,
) -> None:
    """Serve ``package`` (a zip or an unpacked directory) over HTTP until interrupted.

    Starts ``concurrency`` environments first (an init error raises
    :class:`InitError` before anything listens), then serves until SIGINT
    or SIGTERM, and ends every process it started before returning. With
    ``public_host``, requests reach the function as through its URL on that
    host (see :class:`front_door.PublicOrigin`). What a function invokes asynchronously
    of itself (a task's ``enqueue()``) runs in another function process
    (:class:`AsyncRuns`, ``task_retries`` retries), its log said with ``say``.
    """
    async_runs = AsyncRuns(package, retries=task_retries, say=say, **function_options)
    environment = {**function_options.get("environment", {}), **async_runs.variables()}
    pool = FunctionPool(
        package, size=concurrency, **{**function_options, "environment": environment}
    )
    server: LocalServer | None = None
    try:
        with _signals(sigterm=_interrupt):
            try:
                inits = pool.start()
                server = LocalServer(
                    (addr, port),
                    pool,
                    event_format=event_format,
                    public_host=public_host,
                    say=say,
                )
                _announce(server, inits, package, say)
                server.serve_forever(poll_interval=0.2)
            except KeyboardInterrupt:
                say("Stopping.")
    finally:
        # A second Ctrl-C must not leave processes behind half-way through.
        with _signals(sigint=signal.SIG_IGN, sigterm=signal.SIG_IGN):
            if server is not None:
                server.server_close()
            pool.close()
            async_runs.close()


def _announce(server: LocalServer, inits: list[float], package: Path, say: Say) -> None:
    """What is ready, how it runs, and where it listens."""
    pool = server.pool
    say(
        f"{len(inits)} function process(es) ready (init "
        + ", ".join(f"{d * 1000:.0f} ms" for d in inits)
        + f"), pids {', '.join(map(str, pool.pids()))}"
    )
    isolation = pool.functions[0].isolation
    if isolation is not None:
        say(isolation.describe())
    if server.public is not None:
        say(
            f"Requests reach the function as {server.public.url}/... "
            "(Host, Origin, Referer and Location mapped to and from this server)."
        )
    say(f"Serving {package} at {server.url}/ (Ctrl-C to stop)")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals(
    *, sigint: Any = signal.default_int_handler, sigterm: Any = signal.SIG_DFL
) -> Iterator[None]:
    """Handle SIGINT and SIGTERM as given, then restore (signals exist in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, sigint),
        signal.SIGTERM: signal.signal(signal.SIGTERM, sigterm),
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
