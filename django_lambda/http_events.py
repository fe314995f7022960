"""The client side of the event sources: an HTTP request as the event AWS would send, and the
function's result back as an HTTP response. Used by ``lambda_invoke`` and ``lambda_serve``.

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
import http
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
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


class MalformedResult(Exception):
    """The function's result is not an HTTP response of the expected shape."""


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


def _body_fields(
    body: bytes, headers: Sequence[tuple[str, str]], empty: str | None
) -> dict[str, Any]:
    content_type = next((v for n, v in headers if n.lower() == "content-type"), "")
    if not body:
        # v2 leaves "body" out, REST sends null, ALB an empty string.
        return (
            {"isBase64Encoded": False}
            if empty == "omit"
            else {"body": empty, "isBase64Encoded": False}
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and (
        not content_type or content_type.lower().startswith(_TEXT_REQUEST_TYPES)
    ):
        return {"body": text, "isBase64Encoded": False}
    return {"body": base64.b64encode(body).decode("ascii"), "isBase64Encoded": True}


def _multi(pairs: Sequence[tuple[str, str]], *, lower: bool = False) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name.lower() if lower else name, []).append(value)
    return grouped


def make_event(
    *,
    format: str = "v2",
    method: str = "GET",
    path: str = "/",
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """The event that ``format``'s front door sends for this request.

    ``path`` is the request target as sent on the wire: percent-encoded, with
    the query string. The domain name comes from the Host header.
    """
    check_format(format)
    raw_path, _, raw_query = path.partition("?")
    host = next((v for n, v in headers if n.lower() == "host"), "localhost")
    domain_name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    user_agent = next((v for n, v in headers if n.lower() == "user-agent"), "")
    now = time.time()
    request_id = str(uuid.uuid4())
    if format == "v2":
        return _make_v2(
            method,
            raw_path,
            raw_query,
            headers,
            body,
            source_ip,
            domain_name,
            user_agent,
            now,
            request_id,
        )
    if format == "v1":
        return _make_v1(
            method,
            raw_path,
            raw_query,
            headers,
            body,
            source_ip,
            domain_name,
            user_agent,
            now,
            request_id,
        )
    return _make_alb(method, raw_path, raw_query, headers, body)


def _make_v2(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    source_ip: str,
    domain_name: str,
    user_agent: str,
    now: float,
    request_id: str,
) -> dict[str, Any]:
    cookies = [
        part.strip()
        for name, value in headers
        if name.lower() == "cookie"
        for part in value.split(";")
        if part.strip()
    ]
    joined = {
        name: ",".join(values)
        for name, values in _multi(
            [(n, v) for n, v in headers if n.lower() != "cookie"], lower=True
        ).items()
    }
    query = {
        name: ",".join(values)
        for name, values in _multi(parse_qsl(raw_query, keep_blank_values=True)).items()
    }
    # An HTTP API hands the function the path decoded; only a Function URL
    # (a *.lambda-url.* host) leaves it encoded, and the handler tells them apart by host.
    if ".lambda-url." not in domain_name:
        raw_path = unquote(raw_path)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": joined,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".")[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": user_agent,
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        **_body_fields(body, headers, "omit"),
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    return event


def _make_v1(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    source_ip: str,
    domain_name: str,
    user_agent: str,
    now: float,
    request_id: str,
) -> dict[str, Any]:
    multi_headers = _multi(headers)
    multi_query = _multi(parse_qsl(raw_query, keep_blank_values=True))
    # A REST API hands the function the path still percent-encoded, as sent.
    path = raw_path
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {name: values[-1] for name, values in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".")[0],
            "httpMethod": method,
            "identity": {"sourceIp": source_ip, "userAgent": user_agent},
            "path": path,
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourcePath": "/{proxy+}",
            "stage": "local",
        },
        **_body_fields(body, headers, None),
    }


def _make_alb(
    method: str, raw_path: str, raw_query: str, headers: Sequence[tuple[str, str]], body: bytes
) -> dict[str, Any]:
    # ALB passes query parameters as they were sent, still percent-encoded.
    pairs = [pair.partition("=") for pair in raw_query.split("&") if pair]
    return {
        "requestContext": {"elb": {"targetGroupArn": ALB_TARGET_GROUP}},
        "httpMethod": method,
        "path": raw_path,
        "multiValueQueryStringParameters": _multi([(name, value) for name, _, value in pairs]),
        "multiValueHeaders": _multi(headers, lower=True),
        **_body_fields(body, headers, ""),
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

    multi = {
        name.lower(): (name, values)
        for name, values in (result.get("multiValueHeaders") or {}).items()
    }
    headers: list[tuple[str, str]] = []
    # API Gateway merges both; where a name is in both, multiValueHeaders wins.
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in multi:
            headers.append((name, str(value)))
    for name, values in multi.values():
        headers.extend((name, str(value)) for value in values)
    headers.extend(("Set-Cookie", cookie) for cookie in result.get("cookies") or ())

    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedResult("isBase64Encoded is true but the body is not base64") from None
    else:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return HTTPResult(status, reason, headers, data)


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""
