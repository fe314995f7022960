"""Requests as the events AWS front doors send, and results back as HTTP responses."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest

from django_lambda.events import client
from django_lambda.events.client import (
    HTTPResult,
    MalformedResult,
    Request,
    make_event,
    read_result,
)


def without_volatile(event: dict[str, Any]) -> dict[str, Any]:
    context = dict(event["requestContext"])
    for key in ("requestId", "time", "timeEpoch", "requestTime", "requestTimeEpoch"):
        context.pop(key, None)
    return {**event, "requestContext": context}


def test_v2_event() -> None:
    request = Request.from_target(
        "POST",
        "/caf%C3%A9/?a=1&a=2&b=",
        headers=[
            ("Host", "example.com:8000"),
            ("Cookie", "s=1; t=2"),
            ("X-Many", "1"),
            ("x-many", "2"),
            ("User-Agent", "tests"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        body=b"star=1",
        source_ip="10.0.0.9",
    )
    event = make_event(request, format="v2")
    assert without_volatile(event) == {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/café/",
        "rawQueryString": "a=1&a=2&b=",
        "cookies": ["s=1", "t=2"],
        "headers": {
            "host": "example.com:8000",
            "x-many": "1,2",
            "user-agent": "tests",
            "content-type": "application/x-www-form-urlencoded",
        },
        "queryStringParameters": {"a": "1,2", "b": ""},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "example.com",
            "domainPrefix": "example",
            "http": {
                "method": "POST",
                "path": "/café/",
                "protocol": "HTTP/1.1",
                "sourceIp": "10.0.0.9",
                "userAgent": "tests",
            },
            "routeKey": "$default",
            "stage": "$default",
        },
        "body": "star=1",
        "isBase64Encoded": False,
    }


def test_v1_event() -> None:
    event = make_event(
        Request.from_target(
            "GET",
            "/a%20b?q=x%20y&q=z",
            headers=[("Host", "example.com"), ("Accept", "a"), ("Accept", "b")],
        ),
        format="v1",
    )
    assert without_volatile(event) == {
        "resource": "/{proxy+}",
        "path": "/a%20b",
        "httpMethod": "GET",
        "headers": {"Host": "example.com", "Accept": "b"},
        "multiValueHeaders": {"Host": ["example.com"], "Accept": ["a", "b"]},
        "queryStringParameters": {"q": "z"},
        "multiValueQueryStringParameters": {"q": ["x y", "z"]},
        "pathParameters": {"proxy": "a%20b"},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "example.com",
            "domainPrefix": "example",
            "httpMethod": "GET",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": ""},
            "path": "/a%20b",
            "protocol": "HTTP/1.1",
            "resourcePath": "/{proxy+}",
            "stage": "local",
        },
        "body": None,
        "isBase64Encoded": False,
    }


def test_alb_event_keeps_the_query_encoded() -> None:
    event = make_event(
        Request.from_target(
            "PUT", "/x?q=a%20b&q=c", headers=[("Content-Type", "image/png")], body=b"\x89PNG"
        ),
        format="alb",
    )
    assert event == {
        "requestContext": {"elb": {"targetGroupArn": client.ALB_TARGET_GROUP}},
        "httpMethod": "PUT",
        "path": "/x",
        "multiValueQueryStringParameters": {"q": ["a%20b", "c"]},
        "multiValueHeaders": {"content-type": ["image/png"]},
        "body": base64.b64encode(b"\x89PNG").decode(),
        "isBase64Encoded": True,
    }


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match=r"^Unknown event format 'v3': use one of v2, v1, alb\.$"):
        make_event(Request(), format="v3")


def test_read_v2_result_with_cookies_and_binary() -> None:
    result = {
        "statusCode": 200,
        "headers": {"content-type": "image/png"},
        "cookies": ["a=1", "b=2", "c=3"],
        "body": base64.b64encode(b"\x00\x01").decode(),
        "isBase64Encoded": True,
    }
    assert read_result(result) == HTTPResult(
        200,
        "OK",
        [
            ("content-type", "image/png"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("Set-Cookie", "c=3"),
        ],
        b"\x00\x01",
    )


def test_multi_value_headers_win_over_headers() -> None:
    result = {
        "statusCode": 404,
        "statusDescription": "404 Not Found",
        "headers": {"Content-Type": "text/plain", "set-cookie": "lost=1"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": "missing",
    }
    assert read_result(result, format="alb") == HTTPResult(
        404,
        "Not Found",
        [("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        b"missing",
    )


def test_v2_accepts_any_json_as_a_200() -> None:
    assert read_result({"stars": 3}) == HTTPResult(
        200, "OK", [("Content-Type", "application/json")], b'{"stars": 3}'
    )


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"body": "x"}, 'The result has no statusCode: {"body": "x"}'),
        ({"statusCode": "abc"}, "statusCode 'abc' is not a number"),
        (
            {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
            "isBase64Encoded is true but the body is not base64",
        ),
    ],
)
def test_malformed_results(result: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedResult) as caught:
        read_result(result, format="v1")
    assert str(caught.value) == message


@pytest.mark.parametrize("line", ["NoColon", ": value", " Name: value"])
def test_bad_header_lines(line: str) -> None:
    with pytest.raises(ValueError, match="is not a header: write it as 'Name: value'"):
        client.parse_header(line)


def test_header_line() -> None:
    assert client.parse_header("X-Thing:  a: b ") == ("X-Thing", "a: b")


# Through the real handler, in process: what these events carry is what Django sees.


@pytest.mark.parametrize("format", client.FORMATS)
def test_round_trip_through_the_handler(format: str) -> None:
    from django_lambda.handler import lambda_handler

    request = Request.from_target(
        "POST",
        "/echo/caf%C3%A9?q=a%20b&q=c",
        headers=[
            ("Host", "stars.example.com"),
            ("Cookie", "s=1; t=2"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        body=b"star=42&star=7",
    )
    response = read_result(
        lambda_handler(make_event(request, format=format), SimpleNamespace(aws_request_id="r")),
        format=format,
    )
    seen = json.loads(response.body)
    assert response.status == 200
    assert (seen["method"], seen["path"], seen["host"]) == (
        "POST",
        "/echo/café",
        "stars.example.com",
    )
    assert seen["query"] == {"q": ["a b", "c"]}
    assert seen["cookies"] == {"s": "1", "t": "2"}
    assert seen["post"] == {"star": ["42", "7"]}


@pytest.mark.parametrize("format", client.FORMATS)
def test_cookies_and_binary_come_back_through_the_handler(format: str) -> None:
    from django_lambda.handler import lambda_handler
    from tests.testapp.views import BINARY

    context = SimpleNamespace(aws_request_id="r")
    headers = [("Host", "stars.example.com")]
    cookies = read_result(
        lambda_handler(
            make_event(Request("GET", "/cookies/", headers=headers), format=format), context
        ),
        format=format,
    )
    assert [
        value.split(";")[0] for name, value in cookies.headers if name.lower() == "set-cookie"
    ] == [
        "a=1",
        "b=2",
        "c=3",
    ]
    binary = read_result(
        lambda_handler(
            make_event(Request("GET", "/binary/", headers=headers), format=format), context
        ),
        format=format,
    )
    assert (binary.status, binary.header("Content-Type"), binary.body) == (200, "image/png", BINARY)


def test_function_url_host_keeps_the_path_encoded_and_the_handler_decodes_it_once() -> None:
    from django_lambda.handler import lambda_handler

    host = "abc123.lambda-url.us-east-1.on.aws"
    event = make_event(Request("GET", "/echo/a%2541", headers=[("Host", host)]))
    assert event["rawPath"] == "/echo/a%2541"
    response = read_result(lambda_handler(event, SimpleNamespace(aws_request_id="r")))
    assert json.loads(response.body)["path"] == "/echo/a%41"
