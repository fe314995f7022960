"""Stage and base path: SCRIPT_NAME on execute-api hosts, BASE_PATH on custom domains."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import override_settings

from django_lambda.handler import lambda_handler
from tests.factories import HTTP_API_DOMAIN, make_alb_event, make_v1_event, make_v2_event

CONTEXT = SimpleNamespace(aws_request_id="req-1")


def paths(event: dict[str, Any]) -> tuple[str, str, str, str]:
    """(SCRIPT_NAME, PATH_INFO, request.path, absolute URL) as the echo view saw them."""
    body = json.loads(lambda_handler(event, CONTEXT)["body"])
    return body["script_name"], body["path_info"], body["path"], body["url"]


def test_rest_stage_goes_to_script_name() -> None:
    # REST APIs leave the stage out of `path`; URLs Django builds need it back.
    assert paths(make_v1_event(path="/echo/x", stage="prod")) == (
        "/prod",
        "/echo/x",
        "/prod/echo/x",
        "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/echo/x",
    )


def test_rest_custom_domain_has_no_stage_prefix() -> None:
    event = make_v1_event(path="/echo/x", stage="prod", headers={"Host": "api.example.com"})
    assert paths(event) == ("", "/echo/x", "/echo/x", "https://api.example.com/echo/x")


def test_http_api_named_stage_stripped_from_path() -> None:
    assert paths(make_v2_event(path="/echo/x", stage="prod")) == (
        "/prod",
        "/echo/x",
        "/prod/echo/x",
        f"https://{HTTP_API_DOMAIN}/prod/echo/x",
    )


def test_http_api_default_stage_has_no_prefix() -> None:
    assert paths(make_v2_event(path="/echo/x")) == (
        "",
        "/echo/x",
        "/echo/x",
        f"https://{HTTP_API_DOMAIN}/echo/x",
    )


def test_stage_stripped_only_on_a_segment_boundary() -> None:
    # Stage "ech", path "/echo/...": not the stage, keep it all.
    event = make_v2_event(path="/x", stage="ech")
    event["rawPath"] = "/echo/x"
    assert paths(event)[:3] == ("/ech", "/echo/x", "/ech/echo/x")


def test_stage_alone_is_an_empty_path_info() -> None:
    event = make_v2_event(path="/echo/x", stage="echo")
    event["rawPath"] = "/echo"
    result = lambda_handler(event, CONTEXT)
    # Django resolves "" as "/": no URL there in the test app.
    assert result["statusCode"] == 404


@override_settings(DJANGO_LAMBDA={"BASE_PATH": "/api"})
@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("/api/echo/x", ("/api", "/echo/x", "/api/echo/x", "https://api.example.com/api/echo/x")),
        ("/apis/echo/x", ("/api", "/apis/echo/x", "/api/apis/echo/x", None)),
        ("/echo/x", ("/api", "/echo/x", "/api/echo/x", "https://api.example.com/api/echo/x")),
    ],
)
def test_base_path_on_custom_domain(sent: str, expected: tuple[str, ...]) -> None:
    event = make_v2_event(path=sent, headers={"Host": "api.example.com"})
    if expected[3] is None:
        assert lambda_handler(event, CONTEXT)["statusCode"] == 404
    else:
        assert paths(event) == expected


@override_settings(DJANGO_LAMBDA={"BASE_PATH": "/api"})
def test_base_path_for_rest_and_alb() -> None:
    rest = make_v1_event(path="/api/echo/x", headers={"Host": "api.example.com"})
    alb = make_alb_event(path="/api/echo/x", headers={"Host": "api.example.com"})
    assert paths(rest)[:3] == paths(alb)[:3] == ("/api", "/echo/x", "/api/echo/x")


@override_settings(DJANGO_LAMBDA={"BASE_PATH": "/api"})
def test_stage_wins_over_base_path_on_execute_api_host() -> None:
    assert paths(make_v1_event(path="/echo/x", stage="prod"))[:2] == ("/prod", "/echo/x")


def test_http_api_payload_1_0_named_stage_stripped_from_path() -> None:
    # An HTTP API with payload 1.0 keeps the stage in `path`, REST does not.
    event = make_v1_event(path="/dev/echo/x", stage="dev", domain=HTTP_API_DOMAIN)
    event["version"] = "1.0"
    assert paths(event) == (
        "/dev",
        "/echo/x",
        "/dev/echo/x",
        f"https://{HTTP_API_DOMAIN}/dev/echo/x",
    )


def test_rest_resource_named_like_the_stage_is_kept() -> None:
    # REST: `path` never has the stage, so /dev/... under stage dev is a real path.
    assert paths(make_v1_event(path="/echo/dev", stage="echo"))[:2] == ("/echo", "/echo/dev")
