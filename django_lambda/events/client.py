"""The client side of the event sources: an HTTP request as the event AWS would send, and the
function's result back as an HTTP response. Used by ``lambda_invoke``, ``lambda_serve`` and the
tests' event factories; nothing on the request path imports it.

Shapes follow the AWS documentation:
- payload 2.0 (HTTP API, Function URL):
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
- payload 1.0 (REST API proxy integration):
  https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
- ALB with multi-value headers:
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import http
import json
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

FORMATS = ("v2", "v1", "alb")
ACCOUNT_ID = "123456789012"
ALB_TARGET_GROUP = (
    f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT_ID}:"
    "targetgroup/django-lambda/0123456789abcdef"
)

# Request bodies that API Gateway and Function URLs pass as text; others arrive base64.
_TEXT_REQUEST_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form")

Headers = Sequence[tuple[str, str]]
# An event's body and isBase64Encoded; None: the request has no body.
Body = tuple[str | None, bool]


class MalformedResult(Exception):
    """The function's result is not an HTTP response of the expected shape."""


@dataclass(frozen=True)
class Request:
    """An HTTP request as the client sent it."""

    method: str = "GET"
    # As on the wire: percent-encoded, without the query string.
    path: str = "/"
    # As on the wire too.
    query: str = ""
    headers: Headers = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    @classmethod
    def from_target(
        cls,
        method: str,
        target: str,
        *,
        headers: Headers = (),
        body: bytes = b"",
        source_ip: str = "127.0.0.1",
    ) -> Request:
        """The request for an HTTP request line's ``target`` (the path with its query)."""
        path, _, query = target.partition("?")
        return cls(method, path, query, tuple(headers), body, source_ip)

    def header(self, name: str) -> str | None:
        """The first value of the header ``name`` (in any case), None when there is none."""
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)

    @property
    def domain(self) -> str:
        """The Host header without its port."""
        host = self.header("host") or "localhost"
        return host if host.endswith("]") else host.rsplit(":", 1)[0]

    def without(self, name: str) -> Request:
        """This request without the header ``name``."""
        kept = tuple((n, v) for n, v in self.headers if n.lower() != name.lower())
        return dataclasses.replace(self, headers=kept)

    def encoded_body(self) -> Body:
        """The body as API Gateway and Function URLs pass it: text when it is text."""
        if not self.body:
            return None, False
        content_type = (self.header("content-type") or "").lower()
        try:
            self.body.decode("utf-8")
        except UnicodeDecodeError:
            return encoded_body(self.body, base64_encoded=True)
        textual = not content_type or content_type.startswith(_TEXT_REQUEST_TYPES)
        return encoded_body(self.body, base64_encoded=not textual)


@dataclass(frozen=True)
class Arrival:
    """What the front door adds to a request: where it came in, its id and its time."""

    domain: str
    api_id: str = "local"
    stage: str = "$default"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    @property
    def time(self) -> str:
        return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(self.epoch_ms / 1000))

    @property
    def prefix(self) -> str:
        return self.domain.partition(".")[0]


def encoded_body(body: bytes | None, *, base64_encoded: bool) -> Body:
    if body is None:
        return None, False
    if base64_encoded:
        return base64.b64encode(body).decode("ascii"), True
    return body.decode("utf-8"), False


def multi(pairs: Iterable[tuple[str, str]], *, lower: bool = False) -> dict[str, list[str]]:
    """Pairs grouped by name, in order; names lower-cased with ``lower``."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name.lower() if lower else name, []).append(value)
    return grouped


def joined(grouped: dict[str, list[str]]) -> dict[str, str]:
    """One value per name, repeats comma-joined (as payload 2.0 carries them)."""
    return {name: ",".join(values) for name, values in grouped.items()}


def last_values(grouped: dict[str, list[str]]) -> dict[str, str] | None:
    """The last value of each name (as payload 1.0's single-value keys), None when empty."""
    return {name: values[-1] for name, values in grouped.items()} or None


def decoded_query(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def encoded_query(query: str) -> list[tuple[str, str]]:
    """The query's pairs still percent-encoded, as ALB passes them."""
    pairs = [pair.partition("=") for pair in query.split("&") if pair]
    return [(name, value) for name, _, value in pairs]


def check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"Unknown event format {format!r}: use one of {', '.join(FORMATS)}.")
    return format


def parse_header(line: str) -> tuple[str, str]:
    """``"Name: value"`` (as curl's ``-H``) -> ``("Name", "value")``."""
    name, sep, value = line.partition(":")
    if not sep or not name.strip() or name != name.strip():
        raise ValueError(f"{line!r} is not a header: write it as 'Name: value'.")
    return name, value.strip()


def make_event(request: Request, *, format: str = "v2") -> dict[str, Any]:
    """The event that ``format``'s front door sends for ``request``; the domain name comes
    from its Host header."""
    check_format(format)
    if format == "alb":
        return alb_event(request, body=request.encoded_body())
    arrival = Arrival(request.domain, stage="$default" if format == "v2" else "local")
    if format == "v1":
        return v1_event(request, arrival, body=request.encoded_body())
    cookies = [
        part.strip()
        for name, value in request.headers
        if name.lower() == "cookie"
        for part in value.split(";")
        if part.strip()
    ]
    # An HTTP API hands the function the path decoded; only a Function URL
    # (a *.lambda-url.* host) leaves it encoded, and the handler tells them apart by host.
    path = request.path if ".lambda-url." in arrival.domain else unquote(request.path)
    return v2_event(
        request.without("cookie"),
        arrival,
        raw_path=path,
        cookies=cookies,
        body=request.encoded_body(),
    )


def v2_event(
    request: Request, arrival: Arrival, *, raw_path: str, cookies: Sequence[str], body: Body
) -> dict[str, Any]:
    """Payload 2.0 (HTTP API, Function URL): header names lower-case, repeats comma-joined."""
    text, is_base64 = body
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": request.query,
        "headers": joined(multi(request.headers, lower=True)),
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": arrival.api_id,
            "domainName": arrival.domain,
            "domainPrefix": arrival.prefix,
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": request.header("user-agent") or "",
            },
            "requestId": arrival.request_id,
            "routeKey": "$default",
            "stage": arrival.stage,
            "time": arrival.time,
            "timeEpoch": arrival.epoch_ms,
        },
        "isBase64Encoded": is_base64,
    }
    if text is not None:
        event["body"] = text
    if cookies:
        event["cookies"] = list(cookies)
    query = joined(multi(decoded_query(request.query)))
    if query:
        event["queryStringParameters"] = query
    return event


def v1_event(request: Request, arrival: Arrival, *, body: Body) -> dict[str, Any]:
    """Payload 1.0 (REST API proxy integration): the path still percent-encoded, as sent."""
    headers = multi(request.headers)
    query = multi(decoded_query(request.query))
    text, is_base64 = body
    return {
        "resource": "/{proxy+}",
        "path": request.path,
        "httpMethod": request.method,
        "headers": last_values(headers),
        "multiValueHeaders": headers or None,
        "queryStringParameters": last_values(query),
        "multiValueQueryStringParameters": query or None,
        "pathParameters": {"proxy": request.path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": arrival.api_id,
            "domainName": arrival.domain,
            "domainPrefix": arrival.prefix,
            "httpMethod": request.method,
            "identity": {
                "sourceIp": request.source_ip,
                "userAgent": request.header("user-agent") or "",
            },
            "path": request.path,
            "protocol": "HTTP/1.1",
            "requestId": arrival.request_id,
            "requestTime": arrival.time,
            "requestTimeEpoch": arrival.epoch_ms,
            "resourcePath": "/{proxy+}",
            "stage": arrival.stage,
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def alb_event(
    request: Request, *, body: Body, target_group: str = ALB_TARGET_GROUP
) -> dict[str, Any]:
    """An ALB target's event with multi-value headers; the query stays percent-encoded."""
    text, is_base64 = body
    return {
        "requestContext": {"elb": {"targetGroupArn": target_group}},
        "httpMethod": request.method,
        "path": request.path,
        "multiValueQueryStringParameters": multi(encoded_query(request.query)),
        "multiValueHeaders": multi(request.headers, lower=True),
        "body": "" if text is None else text,
        "isBase64Encoded": is_base64,
    }


@dataclass(frozen=True)
class HTTPResult:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)


def read_result(result: Any, *, format: str = "v2") -> HTTPResult:
    """The HTTP response that ``format``'s front door makes of the function's result."""
    if not isinstance(result, dict) or "statusCode" not in result:
        if format == "v2":
            # Payload 2.0 accepts any JSON value as a 200 JSON body.
            body = result if isinstance(result, str) else json.dumps(result)
            return HTTPResult(200, "OK", [("Content-Type", "application/json")], body.encode())
        raise MalformedResult(f"The result has no statusCode: {json.dumps(result)[:200]}")
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        raise MalformedResult(f"statusCode {result['statusCode']!r} is not a number") from None
    reason = str(result.get("statusDescription") or "").partition(" ")[2] or _reason(status)
    return HTTPResult(status, reason, _result_headers(result), _result_body(result))


def _result_headers(result: dict[str, Any]) -> list[tuple[str, str]]:
    multi_headers = {
        name.lower(): (name, values)
        for name, values in (result.get("multiValueHeaders") or {}).items()
    }
    headers: list[tuple[str, str]] = []
    # API Gateway merges both; where a name is in both, multiValueHeaders wins.
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in multi_headers:
            headers.append((name, str(value)))
    for name, values in multi_headers.values():
        headers.extend((name, str(value)) for value in values)
    headers.extend(("Set-Cookie", cookie) for cookie in result.get("cookies") or ())
    return headers


def _result_body(result: dict[str, Any]) -> bytes:
    body = result.get("body") or ""
    if not result.get("isBase64Encoded"):
        return body.encode() if isinstance(body, str) else json.dumps(body).encode()
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResult("isBase64Encoded is true but the body is not base64") from None


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""
