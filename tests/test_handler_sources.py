"""Every translation rule, for every event source, asserted on the whole result dict."""

from __future__ import annotations

import base64
import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.signals import request_finished
from django.test import override_settings

from django_lambda.handler import lambda_handler
from django_lambda.limits import RESPONSE_LIMIT
from tests.factories import (
    FUNCTION_URL_DOMAIN,
    HTTP_API_DOMAIN,
    REST_DOMAIN,
    SOURCE_IP,
    make_event,
)
from tests.testapp.views import BINARY

CONTEXT = SimpleNamespace(aws_request_id="8476a536-e9f4-11e8-9739-2dfe598c3fcd")

V1 = ("apigw_v1", "apigw_v1_single", "kong_awsgateway", "kong_awsgateway_old")
V2 = ("apigw_v2", "apigw_v2_stage", "function_url")
ALL = (*V1, *V2, "alb", "alb_multi", "kong_forward", "lattice", "lattice_v1")
WITH_DOMAIN = ("apigw_v1", "apigw_v1_single", "kong_awsgateway", *V2)

ALB_HOST = "lambda-alb-123578498.us-east-1.elb.amazonaws.com"
KONG_HOST = "kong.example.com"
LATTICE_HOST = "my-service-0a40eebed65f8d69c.7d67968.vpc-lattice-svcs.us-east-1.on.aws"

# What each source adds on its own: Host, forwarding headers, the client
# address it reports, and the SCRIPT_NAME its stage gives.
SOURCE_REQUEST: dict[str, dict[str, Any]] = {
    "apigw_v1": {"headers": {"Host": REST_DOMAIN}, "remote_addr": SOURCE_IP, "script": "/prod"},
    "apigw_v1_single": {
        "headers": {"Host": REST_DOMAIN},
        "remote_addr": SOURCE_IP,
        "script": "/prod",
    },
    "apigw_v2": {"headers": {"Host": HTTP_API_DOMAIN}, "remote_addr": SOURCE_IP, "script": ""},
    "apigw_v2_stage": {
        "headers": {"Host": HTTP_API_DOMAIN},
        "remote_addr": SOURCE_IP,
        "script": "/prod",
    },
    "function_url": {
        "headers": {"Host": FUNCTION_URL_DOMAIN},
        "remote_addr": SOURCE_IP,
        "script": "",
    },
    "alb": {
        "headers": {
            "Host": ALB_HOST,
            "X-Forwarded-For": SOURCE_IP,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Port": "443",
        },
        "remote_addr": SOURCE_IP,
        "script": "",
    },
    "kong_awsgateway": {"headers": {"Host": KONG_HOST}, "remote_addr": SOURCE_IP, "script": ""},
    "kong_awsgateway_old": {"headers": {"Host": KONG_HOST}, "remote_addr": None, "script": ""},
    "kong_forward": {"headers": {"Host": KONG_HOST}, "remote_addr": None, "script": ""},
    "lattice": {
        "headers": {"Host": LATTICE_HOST, "X-Forwarded-For": SOURCE_IP},
        "remote_addr": SOURCE_IP,
        "script": "",
    },
}
SOURCE_REQUEST["alb_multi"] = SOURCE_REQUEST["alb"]
SOURCE_REQUEST["lattice_v1"] = SOURCE_REQUEST["lattice"]


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    return lambda_handler(event, CONTEXT)


def shaped(
    source: str,
    *,
    status: int = 200,
    reason: str = "OK",
    headers: dict[str, str],
    body: Any = "",
    is_base64: bool = False,
) -> dict[str, Any]:
    """The result dict ``source`` expects, for headers that each occur once."""
    if source in V1:
        return {
            "statusCode": status,
            "headers": headers,
            "multiValueHeaders": {},
            "body": body,
            "isBase64Encoded": is_base64,
        }
    if source in V2:
        return {
            "statusCode": status,
            "headers": headers,
            "cookies": [],
            "body": body,
            "isBase64Encoded": is_base64,
        }
    if source == "alb":
        return {
            "statusCode": status,
            "statusDescription": f"{status} {reason}",
            "headers": headers,
            "body": body,
            "isBase64Encoded": is_base64,
        }
    if source == "alb_multi":
        return {
            "statusCode": status,
            "statusDescription": f"{status} {reason}",
            "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "body": body,
            "isBase64Encoded": is_base64,
        }
    return {"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": is_base64}


def echoed(
    source: str,
    *,
    method: str = "GET",
    path: str = "/echo/",
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    body: bytes = b"",
    post: dict[str, list[str]] | None = None,
    files: dict[str, Any] | None = None,
    scheme: str = "https",
    port: str = "443",
) -> dict[str, Any]:
    """What the echo view reports for a request that came through ``source``."""
    known = SOURCE_REQUEST[source]
    all_headers = {**known["headers"], **(headers or {})}
    host = all_headers["Host"]
    all_headers["Content-Length"] = str(len(body))
    script = known["script"]
    return {
        "method": method,
        "path": script + path,
        "path_info": path,
        "script_name": script,
        "query": query or {},
        "headers": all_headers,
        "cookies": cookies or {},
        "body": base64.b64encode(body).decode(),
        "post": post or {},
        "files": files or {},
        "content_length": str(len(body)),
        "scheme": scheme,
        "host": host,
        "server_name": host,
        "server_port": port,
        "remote_addr": known["remote_addr"],
        "url": f"{scheme}://{host}{script}{path}",
    }


def parsed(result: dict[str, Any]) -> dict[str, Any]:
    """The result with its JSON body parsed, for a whole-dict comparison."""
    return {**result, "body": json.loads(result["body"])}


JSON = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain"}
PLAIN_UTF8 = {"Content-Type": "text/plain; charset=utf-8"}


@pytest.mark.parametrize("source", ALL)
def test_get_with_query(source: str) -> None:
    query = "a=1&a=2&plus=x+y&lit=x%2By&sp=x%20y&e=caf%C3%A9&empty="
    result = invoke(make_event(source, path="/echo/", query=query))
    expected_query = {
        "a": ["1", "2"],
        "plus": ["x y"],
        "lit": ["x+y"],
        "sp": ["x y"],
        "e": ["café"],
        "empty": [""],
    }
    if source in ("apigw_v1_single", "alb", "lattice_v1"):
        # Without multiValue* keys the source itself keeps only the last value.
        expected_query["a"] = ["2"]
    echo = echoed(source, query=expected_query)
    echo["url"] += "?" + result_query(source, query)
    assert parsed(result) == shaped(source, headers=JSON, body=echo)


def result_query(source: str, raw: str) -> str:
    # 2.0 sources and Kong's forward mode pass the raw query string through;
    # the others rebuild it from parameters, in the one canonical encoding.
    if source in V2 or source == "kong_forward":
        return raw
    first = "a=2" if source in ("apigw_v1_single", "alb", "lattice_v1") else "a=1&a=2"
    return first + "&plus=x+y&lit=x%2By&sp=x+y&e=caf%C3%A9&empty"


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize(
    ("sent", "path"),
    [
        ("/echo/caf%C3%A9", "/echo/café"),
        ("/echo/a%2541", "/echo/a%41"),
        ("/echo/a%20b/%E2%9C%93", "/echo/a b/✓"),
    ],
)
def test_path_is_decoded_exactly_once(source: str, sent: str, path: str) -> None:
    result = parsed(invoke(make_event(source, path=sent)))
    assert (result["body"]["path_info"], result["body"]["path"]) == (
        path,
        SOURCE_REQUEST[source]["script"] + path,
    )
    assert result["statusCode"] == 200


def post_base64(source: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """POST ``body`` to the echo view, base64-encoded as the source would."""
    event = make_event(
        source, method="POST", path="/echo/", headers=headers, body=body, base64_encoded=True
    )
    return parsed(invoke(event))


@pytest.mark.parametrize("source", ALL)
def test_post_base64_form_body(source: str) -> None:
    body = b"name=caf%C3%A9&n=1&n=2"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert post_base64(source, body, headers) == shaped(
        source,
        headers=JSON,
        body=echoed(
            source,
            method="POST",
            headers=headers,
            body=body,
            post={"name": ["café"], "n": ["1", "2"]},
        ),
    )


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
def test_base64_body_decoded_for_every_method(source: str, method: str) -> None:
    body = "é".encode() * 3
    event = make_event(source, method=method, path="/echo/", body=body, base64_encoded=True)
    echo = echoed(source, method=method, body=body)
    assert parsed(invoke(event)) == shaped(source, headers=JSON, body=echo)


@pytest.mark.parametrize("source", ALL)
def test_json_body(source: str) -> None:
    body = '{"stars": 5, "name": "café"}'
    headers = {"Content-Type": "application/json"}
    event = make_event(source, method="PATCH", path="/echo/", headers=headers, body=body)
    echo = echoed(source, method="PATCH", headers=headers, body=body.encode())
    assert parsed(invoke(event)) == shaped(source, headers=JSON, body=echo)


@pytest.mark.parametrize("source", ALL)
def test_multipart_upload(source: str) -> None:
    boundary = "----boundary7MA4YWxkTrZu0gW"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="title"\r\n\r\n'
            "stars\r\n"
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="star.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + BINARY
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    echo = echoed(
        source,
        method="POST",
        headers=headers,
        body=body,
        post={"title": ["stars"]},
        files={
            "file": [
                {
                    "name": "star.png",
                    "content_type": "image/png",
                    "content": base64.b64encode(BINARY).decode(),
                }
            ]
        },
    )
    assert post_base64(source, body, headers) == shaped(source, headers=JSON, body=echo)


@pytest.mark.parametrize("source", ALL)
def test_headers_case_insensitive_repeats_joined_underscores_dropped(source: str) -> None:
    headers = [
        ("X-Custom", "one"),
        ("x-custom", "two"),
        ("X_Forwarded_For", "6.6.6.6"),
        ("Accept", "text/html"),
    ]
    echo = echoed(source, headers={"X-Custom": "one,two", "Accept": "text/html"})
    if source == "alb":
        # Without multi-value headers ALB itself keeps only the last value.
        echo["headers"]["X-Custom"] = "two"
    assert parsed(invoke(make_event(source, path="/echo/", headers=headers))) == shaped(
        source, headers=JSON, body=echo
    )


@pytest.mark.parametrize("source", ALL)
def test_scheme_and_port_from_forwarded_headers(source: str) -> None:
    headers = {"X-Forwarded-Proto": "http", "X-Forwarded-Port": "8080"}
    echo = echoed(source, headers=headers, scheme="http", port="8080")
    host = echo["host"]
    echo["url"] = f"http://{host}{echo['path']}"
    assert parsed(invoke(make_event(source, path="/echo/", headers=headers))) == shaped(
        source, headers=JSON, body=echo
    )


@pytest.mark.parametrize("source", [s for s in ALL if not SOURCE_REQUEST[s]["script"]])
def test_port_from_host_header(source: str) -> None:
    headers = {"Host": "www.example.com:8443"}
    echo = echoed(source, headers=headers, port="8443")
    echo["server_name"] = "www.example.com"
    echo["url"] = f"https://www.example.com:8443{echo['path']}"
    if source in ("alb", "alb_multi"):
        echo["server_port"] = "443"  # X-Forwarded-Port, which ALB always sends, wins
    assert parsed(invoke(make_event(source, path="/echo/", headers=headers))) == shaped(
        source, headers=JSON, body=echo
    )


@pytest.mark.parametrize("source", WITH_DOMAIN)
def test_host_falls_back_to_request_context_domain(source: str) -> None:
    event = (
        make_event(source, path="/echo/", host_header=False)
        if source not in ("kong_awsgateway",)
        else make_event(source, path="/echo/")
    )
    if source == "kong_awsgateway":
        del event["headers"]["host"], event["multiValueHeaders"]["host"]
    assert parsed(invoke(event)) == shaped(source, headers=JSON, body=echoed(source))


@pytest.mark.parametrize("source", ("alb", "alb_multi", "lattice", "lattice_v1"))
def test_remote_addr_is_the_address_the_balancer_appended(source: str) -> None:
    headers = {"X-Forwarded-For": "6.6.6.6, 7.7.7.7"}
    echo = echoed(source)
    echo["headers"]["X-Forwarded-For"] = f"6.6.6.6, 7.7.7.7, {SOURCE_IP}"
    assert parsed(invoke(make_event(source, path="/echo/", headers=headers))) == shaped(
        source, headers=JSON, body=echo
    )


@pytest.mark.parametrize("source", ALL)
def test_request_cookies(source: str) -> None:
    cookies = ["a=1", "b=caf%C3%A9", "c=3"]
    if source in V2:
        event = make_event(source, path="/echo/", cookies=cookies)
    else:
        event = make_event(source, path="/echo/", headers={"Cookie": "; ".join(cookies)})
    echo = echoed(
        source,
        headers={"Cookie": "a=1; b=caf%C3%A9; c=3"},
        cookies={"a": "1", "b": "caf%C3%A9", "c": "3"},
    )
    assert parsed(invoke(event)) == shaped(source, headers=JSON, body=echo)


@pytest.mark.parametrize("source", ("apigw_v1", "alb_multi", "kong_forward", "lattice"))
def test_repeated_cookie_headers_join_with_semicolon(source: str) -> None:
    event = make_event(source, path="/echo/", headers=[("Cookie", "a=1"), ("Cookie", "b=2")])
    body = parsed(invoke(event))["body"]
    assert (body["headers"]["Cookie"], body["cookies"]) == ("a=1; b=2", {"a": "1", "b": "2"})


SET_COOKIES = [
    "a=1; Path=/",
    "b=2; HttpOnly; Path=/",
    "c=3; Path=/c/",
]


@pytest.mark.parametrize("source", ALL)
def test_three_set_cookie_headers_survive(source: str) -> None:
    result = invoke(make_event(source, path="/cookies/"))
    body = {"body": "three cookies", "isBase64Encoded": False}
    if source in V1:
        expected = {
            "statusCode": 200,
            "headers": TEXT,
            "multiValueHeaders": {"Set-Cookie": SET_COOKIES},
            **body,
        }
    elif source in V2:
        expected = {"statusCode": 200, "headers": TEXT, "cookies": SET_COOKIES, **body}
    elif source == "alb_multi":
        expected = {
            "statusCode": 200,
            "statusDescription": "200 OK",
            "multiValueHeaders": {"Content-Type": ["text/plain"], "Set-Cookie": SET_COOKIES},
            **body,
        }
    elif source == "kong_forward":
        expected = {"statusCode": 200, "headers": {**TEXT, "Set-Cookie": SET_COOKIES}, **body}
    else:
        # One value per name: each cookie under another spelling of the name.
        spelled = {
            **TEXT,
            "Set-Cookie": SET_COOKIES[0],
            "set-Cookie": SET_COOKIES[1],
            "SEt-Cookie": SET_COOKIES[2],
        }
        expected = {"statusCode": 200, "headers": spelled, **body}
        if source == "alb":
            expected = {"statusCode": 200, "statusDescription": "200 OK", **expected}
    assert result == expected


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize(
    ("url", "content_type", "body", "is_base64"),
    [
        ("/binary/", "image/png", base64.b64encode(BINARY).decode(), True),
        ("/svg/", "image/svg+xml", "<svg xmlns='http://www.w3.org/2000/svg'/>", False),
        ("/octets/", "application/octet-stream", base64.b64encode(b"plain words").decode(), True),
        (
            "/latin1/",
            "text/plain; charset=latin-1",
            base64.b64encode("café".encode("latin-1")).decode(),
            True,
        ),
    ],
)
def test_binary_responses_go_base64(
    source: str, url: str, content_type: str, body: str, is_base64: bool
) -> None:
    assert invoke(make_event(source, path=url)) == shaped(
        source, headers={"Content-Type": content_type}, body=body, is_base64=is_base64
    )


@pytest.mark.parametrize("source", ALL)
def test_any_content_encoding_is_binary(source: str) -> None:
    import gzip

    assert invoke(make_event(source, path="/gzip/")) == shaped(
        source,
        headers={"Content-Type": "text/plain", "Content-Encoding": "gzip"},
        body=base64.b64encode(gzip.compress(b"squeezed", mtime=0)).decode(),
        is_base64=True,
    )


@pytest.mark.parametrize("source", ALL)
def test_text_content_types_setting(source: str) -> None:
    with override_settings(DJANGO_LAMBDA={"TEXT_CONTENT_TYPES": ["application/octet-stream"]}):
        octets = invoke(make_event(source, path="/octets/"))
        svg = invoke(make_event(source, path="/svg/"))
    assert (octets, svg) == (
        shaped(
            source,
            headers={"Content-Type": "application/octet-stream"},
            body="plain words",
        ),
        shaped(
            source,
            headers={"Content-Type": "image/svg+xml"},
            body=base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'/>").decode(),
            is_base64=True,
        ),
    )


@pytest.mark.parametrize("source", ALL)
def test_head_has_no_body(source: str) -> None:
    assert invoke(make_event(source, method="HEAD", path="/binary/")) == shaped(
        source, headers={"Content-Type": "image/png"}
    )


@pytest.mark.parametrize("source", ALL)
def test_no_content(source: str) -> None:
    assert invoke(make_event(source, path="/no-content/")) == shaped(
        source,
        status=204,
        reason="No Content",
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


@pytest.mark.parametrize("source", ALL)
def test_redirect(source: str) -> None:
    assert invoke(make_event(source, path="/redirect/")) == shaped(
        source,
        status=302,
        reason="Found",
        headers={"Content-Type": "text/html; charset=utf-8", "Location": "/echo/?from=redirect"},
    )


@pytest.mark.parametrize("source", ALL)
def test_streaming_response(source: str) -> None:
    assert invoke(make_event(source, path="/streaming/")) == shaped(
        source, headers=TEXT, body="chunk 0\nchunk 1\nchunk 2\n"
    )


@pytest.mark.parametrize("source", ALL)
def test_request_finished_fires(source: str) -> None:
    finished: list[object] = []

    def receiver(sender: object, **kwargs: object) -> None:
        finished.append(sender)

    request_finished.connect(receiver)
    try:
        invoke(make_event(source, path="/streaming/"))
    finally:
        request_finished.disconnect(receiver)
    assert len(finished) == 1


@pytest.mark.parametrize("source", ALL)
def test_lambda_event_and_context_in_meta(source: str) -> None:
    event = make_event(source, path="/meta/")
    assert parsed(invoke(event)) == shaped(
        source,
        headers=JSON,
        body={"event_keys": sorted(event), "request_id": CONTEXT.aws_request_id},
    )


@pytest.mark.parametrize("source", ALL)
def test_view_error_is_500_and_logged(source: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="django_lambda.handler"):
        result = invoke(make_event(source, path="/boom/"))
    assert result == shaped(
        source,
        status=500,
        reason="Internal Server Error",
        headers={"Content-Type": "text/html; charset=utf-8"},
        body=result["body"],
    )
    assert "Server Error (500)" in result["body"]
    [record] = [r for r in caplog.records if r.name == "django_lambda.handler"]
    assert json.loads(record.getMessage()) == {
        "message": "request failed",
        "status": 500,
        "method": "GET",
        "path": SOURCE_REQUEST[source]["script"] + "/boom/",
        "request_id": CONTEXT.aws_request_id,
    }


@pytest.mark.parametrize("source", ALL)
def test_response_over_6_mb_is_502(source: str, caplog: pytest.LogCaptureFixture) -> None:
    size = RESPONSE_LIMIT  # the JSON around it takes it over the limit
    with caplog.at_level(logging.ERROR, logger="django_lambda.handler"):
        result = invoke(make_event(source, path="/big/", query=f"size={size}"))
    reason = result["body"]
    assert result == shaped(
        source, status=502, reason="Bad Gateway", headers=PLAIN_UTF8, body=reason
    )
    [record] = [r for r in caplog.records if r.name == "django_lambda.handler"]
    logged = json.loads(record.getMessage())
    assert reason == (
        f"The response is {logged['size']} bytes, over AWS Lambda's limit of 6291456 bytes "
        "(6 MB) for a synchronous response."
    )
    assert logged["size"] > RESPONSE_LIMIT
    assert (logged["message"], logged["status"], logged["request_id"]) == (
        "response too large",
        200,
        CONTEXT.aws_request_id,
    )


@pytest.mark.parametrize("source", ALL)
def test_binary_response_just_under_the_limit_passes(source: str) -> None:
    size = (RESPONSE_LIMIT - 4096) // 4 * 3  # base64 grows it by a third
    result = invoke(make_event(source, path="/big-binary/", query=f"size={size}"))
    assert (result["statusCode"], result["isBase64Encoded"], len(result["body"])) == (
        200,
        True,
        size // 3 * 4,
    )


def bad(source: str, reason: str) -> dict[str, Any]:
    return shaped(source, status=400, reason="Bad Request", headers=PLAIN_UTF8, body=reason)


BODY_KEY = {"kong_forward": "request_body"}
HEADERS_KEY = {"kong_forward": "request_headers"}


@pytest.mark.parametrize("source", ALL)
def test_invalid_base64_is_400(source: str) -> None:
    event = make_event(source, method="POST", path="/echo/", body=b"x", base64_encoded=True)
    event[BODY_KEY.get(source, "body")] = "not base64!"
    assert invoke(event) == bad(
        source, "The event's body is not valid base64 (isBase64Encoded is true)."
    )


@pytest.mark.parametrize("source", ALL)
def test_body_of_wrong_type_is_400(source: str) -> None:
    event = make_event(source, method="POST", path="/echo/")
    event[BODY_KEY.get(source, "body")] = {"a": 1}
    assert invoke(event) == bad(source, "The event's body must be a string or null, not dict.")


METHOD_KEYS = {"kong_forward": ("request_method",), "lattice": ("method",)}


@pytest.mark.parametrize("source", ALL)
def test_missing_method_is_400(source: str) -> None:
    event = make_event(source, path="/echo/")
    if source in V2:
        del event["requestContext"]["http"]["method"]
    elif source == "kong_forward":
        del event["request_method"]
        event["request_uri"] = "/echo/"  # still recognisably Kong
    elif source in ("lattice", "lattice_v1"):
        del event["method"]
    else:
        event["httpMethod"] = None
    assert invoke(event) == bad(source, "The event has no HTTP method.")


@pytest.mark.parametrize("source", ALL)
def test_non_string_header_value_is_400(source: str) -> None:
    event = make_event(source, path="/echo/", headers={"X-Count": "1"})
    if source in ("apigw_v1", "alb_multi", "kong_awsgateway", "kong_awsgateway_old"):
        event["multiValueHeaders"][
            "x-count" if "x-count" in event["multiValueHeaders"] else "X-Count"
        ] = [1]
        value_type = "int"
    elif source == "lattice":
        event["headers"]["x-count"] = [1]
        value_type = "int"
    else:
        key = HEADERS_KEY.get(source, "headers")
        name = "X-Count" if "X-Count" in event[key] else "x-count"
        event[key][name] = 1
        value_type = "int"
    reason = invoke(event)["body"]
    assert invoke(event) == bad(source, reason)
    assert reason.startswith("Header ") and f"has a {value_type} value" in reason
