"""A typical browser request (a page view with cookies and a query) as each event source sends it.

Shapes follow the AWS documentation:
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
"""

from __future__ import annotations

import io
import sys
from typing import Any
from urllib.parse import quote, urlencode

METHOD = "GET"
PATH = "/stars/"
QUERY = [("page", "2"), ("sort", "magnitude")]
# The csrftoken has the 32 characters of a secret Django issued: one it cannot
# parse, a site with CsrfViewMiddleware replaces on every response.
COOKIES = [
    "name=Ada",
    "csrftoken=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3Jh",
    "sessionid=k3l2j4h5g6f7d8s9a0",
]
SOURCE_IP = "203.0.113.7"
DOMAIN = "abc123def4.execute-api.eu-west-1.amazonaws.com"
# What a current desktop browser sends for a top-level navigation, in the
# lower case HTTP/2 gives API Gateway and ALB.
HEADERS = {
    "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "*/*;q=0.8",
    "accept-encoding": "gzip, deflate, br, zstd",
    "accept-language": "en-GB,en;q=0.9,fr;q=0.8",
    "host": DOMAIN,
    "priority": "u=0, i",
    "referer": f"https://{DOMAIN}/stars/?page=1",
    "sec-ch-ua": '"Chromium";v="131", "Not_A Brand";v="24"',
    "sec-ch-ua-mobile": "?0",
    "sec-ch-ua-platform": '"Linux"',
    "sec-fetch-dest": "document",
    "sec-fetch-mode": "navigate",
    "sec-fetch-site": "same-origin",
    "sec-fetch-user": "?1",
    "upgrade-insecure-requests": "1",
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "x-amzn-trace-id": "Root=1-6745a1b2-0123456789abcdef01234567",
    "x-forwarded-for": SOURCE_IP,
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
}
EXPECTED_BODY = "<p>Hello Ada, page 2 of the catalogue, sorted by magnitude.</p>"


def v2_event() -> dict[str, Any]:
    """API Gateway HTTP API, payload format 2.0 (cookies travel apart from the headers)."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": PATH,
        "rawQueryString": urlencode(QUERY),
        "cookies": list(COOKIES),
        "headers": dict(HEADERS),
        "queryStringParameters": dict(QUERY),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123def4",
            "domainName": DOMAIN,
            "domainPrefix": "abc123def4",
            "http": {
                "method": METHOD,
                "path": PATH,
                "protocol": "HTTP/1.1",
                "sourceIp": SOURCE_IP,
                "userAgent": HEADERS["user-agent"],
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "26/Nov/2026:19:03:58 +0000",
            "timeEpoch": 1795633438000,
        },
        "isBase64Encoded": False,
    }


def v1_event() -> dict[str, Any]:
    """API Gateway REST API proxy integration, payload format 1.0, stage ``prod``."""
    headers = {**HEADERS, "cookie": "; ".join(COOKIES)}
    return {
        "resource": "/{proxy+}",
        "path": PATH,
        "httpMethod": METHOD,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": dict(QUERY),
        "multiValueQueryStringParameters": {name: [value] for name, value in QUERY},
        "pathParameters": {"proxy": PATH.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123def4",
            "domainName": DOMAIN,
            "domainPrefix": "abc123def4",
            "httpMethod": METHOD,
            "identity": {"sourceIp": SOURCE_IP, "userAgent": HEADERS["user-agent"]},
            "path": "/prod" + PATH,
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTimeEpoch": 1795633438000,
            "resourceId": "123456",
            "resourcePath": "/{proxy+}",
            "stage": "prod",
        },
        "body": None,
        "isBase64Encoded": False,
    }


def alb_event() -> dict[str, Any]:
    """Application Load Balancer, single-value headers; the query arrives still URL-encoded."""
    return {
        "requestContext": {
            "elb": {
                "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:"
                "targetgroup/stars/73e2d6bc24d8a067"
            }
        },
        "httpMethod": METHOD,
        "path": PATH,
        "queryStringParameters": {name: quote(value) for name, value in QUERY},
        "headers": {**HEADERS, "cookie": "; ".join(COOKIES)},
        "body": "",
        "isBase64Encoded": False,
    }


EVENTS = {"payload 2.0": v2_event, "payload 1.0": v1_event, "ALB": alb_event}


def wsgi_environ() -> dict[str, Any]:
    """The environ a WSGI server would build for the same request (the floor's input)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": METHOD,
        "SCRIPT_NAME": "",
        "PATH_INFO": PATH,
        "QUERY_STRING": urlencode(QUERY),
        "SERVER_NAME": DOMAIN,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": SOURCE_IP,
        "CONTENT_LENGTH": "0",
        "HTTP_COOKIE": "; ".join(COOKIES),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in HEADERS.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


class FakeContext:
    """The attributes of Lambda's context object that adapters read."""

    function_name = "stars"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:stars:live"
    memory_limit_in_mb = "512"
    aws_request_id = "0f5b2e4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
    log_group_name = "/aws/lambda/stars"
    log_stream_name = "2026/11/26/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
