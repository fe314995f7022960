"""Lambda's Invoke operation for one local function, on 127.0.0.1: where the function's own
boto3 sends ``lambda.invoke`` in a local run (``AWS_ENDPOINT_URL_LAMBDA``).

It takes what Lambda takes from a function that invokes itself asynchronously
(a task's ``enqueue()``): ``InvocationType=Event`` with a JSON payload within
Lambda's limit, answered with 202 and a request id, the event handed on to run
in another execution environment (``async_runs``). It answers as Lambda does
when the payload is too large or not JSON, or the function is another one.
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
"""

from __future__ import annotations

import http.server
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django_lambda import limits

logger = logging.getLogger(__name__)

_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
# FunctionName as Invoke takes it: a name, name:qualifier, an ARN or a partial ARN.
_FUNCTION_NAME = re.compile(
    r"^(?:arn:[^:]+:lambda:[^:]*:)?(?:\d{12}:)?(?:function:)?(?P<name>[A-Za-z0-9_-]+)(?::[^:]+)?$"
)

# Called with the request id and the payload of each event taken.
Accept = Callable[[str, bytes], None]


class InvokeAPI:
    """The Invoke operation of the function ``function_name``, on 127.0.0.1, served from a
    thread; each asynchronous event it takes goes to ``accept``."""

    def __init__(self, function_name: str, accept: Accept) -> None:
        self.function_name = function_name
        self.accept = accept
        self._server = _InvokeServer(("127.0.0.1", 0), _InvokeRequestHandler)
        self._server.api = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="lambda-invoke-api",
            daemon=True,
        )
        self._thread.start()

    @property
    def endpoint(self) -> str:
        """The URL to give boto3 as the Lambda endpoint."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def function_for(self, function_name: str) -> bool:
        """Whether Invoke's ``FunctionName`` names this function (under any qualifier)."""
        match = _FUNCTION_NAME.match(function_name)
        return match is not None and match["name"] == self.function_name


class _InvokeServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    api: InvokeAPI


class _InvokeRequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _InvokeServer

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("invoke api: " + format, *args)

    def _reply(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, code: str, message: str, request_id: str) -> None:
        # Lambda's error shape: botocore reads the code from x-amzn-ErrorType.
        body = json.dumps({"Type": "User", "message": message}).encode()
        self._reply(
            status,
            {
                "Content-Type": "application/json",
                "x-amzn-ErrorType": code,
                "x-amzn-RequestId": request_id,
            },
            body,
        )

    def do_POST(self) -> None:
        api = self.server.api
        request_id = str(uuid.uuid4())
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        match = _INVOKE_PATH.match(url.path)
        if match is None:
            self._error(
                404, "UnknownOperationException", f"Unknown operation {url.path}", request_id
            )
            return
        function_name = unquote(match[1])
        qualifier = parse_qs(url.query).get("Qualifier", [""])[0]
        if not api.function_for(function_name):
            self._error(
                404,
                "ResourceNotFoundException",
                f"Function not found: {function_name}{':' + qualifier if qualifier else ''} "
                f"(this local run has only the function {api.function_name!r})",
                request_id,
            )
            return
        invocation_type = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            self._reply(204, {"x-amzn-RequestId": request_id})
            return
        if invocation_type != "Event":
            self._error(
                400,
                "InvalidParameterValueException",
                "A local run takes the function's asynchronous invocations of itself "
                f"(InvocationType=Event), not {invocation_type}.",
                request_id,
            )
            return
        if len(body) > limits.ASYNC_EVENT_LIMIT:
            self._error(
                413,
                "RequestTooLargeException",
                f"Request must be smaller than {limits.ASYNC_EVENT_LIMIT} bytes for the "
                "InvokeAsync operation",
                request_id,
            )
            return
        try:
            json.loads(body or b"null")
        except ValueError:
            self._error(
                400,
                "InvalidRequestContentException",
                "Could not parse request body into json",
                request_id,
            )
            return
        api.accept(request_id, body)
        self._reply(202, {"x-amzn-RequestId": request_id})
