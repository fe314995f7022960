"""The handler's life in the runtime: import cost, SnapStart hooks, request logging."""

from __future__ import annotations

import json
import logging
import random
import subprocess
import sys
import types
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connections
from django.test import override_settings

from django_lambda import handler
from tests.factories import make_kong_event, make_v1_event, make_v2_event

CONTEXT = SimpleNamespace(aws_request_id="req-7")


def test_import_does_not_load_boto3() -> None:
    code = (
        "import sys; import django_lambda.handler; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": "."},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == "[]\n"


def test_application_is_built_once_at_import() -> None:
    from django.core.handlers.wsgi import WSGIHandler

    assert isinstance(handler.application, WSGIHandler)


@pytest.fixture
def fake_snapstart(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    registered: dict[str, list[Any]] = {"before": [], "after": []}
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = registered["before"].append  # type: ignore[attr-defined]
    module.register_after_restore = registered["after"].append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return registered


def test_snapstart_hooks_registered_when_runtime_has_them(
    fake_snapstart: dict[str, list[Any]],
) -> None:
    assert handler.register_snapstart_hooks() is True
    assert fake_snapstart == {"before": [handler.before_snapshot], "after": [handler.after_restore]}


def test_no_snapstart_hooks_without_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import raises ImportError
    assert handler.register_snapstart_hooks() is False


def test_hooks_close_every_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[str] = []
    monkeypatch.setattr(connections, "close_all", lambda: closed.append("all"))
    handler.before_snapshot()
    handler.after_restore()
    assert closed == ["all", "all"]


def test_after_restore_reseeds_random(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connections, "close_all", lambda: None)
    random.seed(1234)
    handler.after_restore()
    after_restore = random.random()
    random.seed(1234)
    assert after_restore != random.random()


def test_success_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="django_lambda"):
        handler.lambda_handler(make_v2_event(path="/echo/"), CONTEXT)
    assert [r for r in caplog.records if r.name.startswith("django_lambda")] == []


@override_settings(DJANGO_LAMBDA={"LOG_REQUESTS": True})
def test_log_requests_logs_one_line_per_request(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="django_lambda"):
        handler.lambda_handler(make_v2_event(method="POST", path="/echo/caf%C3%A9"), CONTEXT)
    [record] = [r for r in caplog.records if r.name.startswith("django_lambda")]
    assert (record.levelname, json.loads(record.getMessage())) == (
        "INFO",
        {
            "message": "request",
            "status": 200,
            "method": "POST",
            "path": "/echo/café",
            "request_id": "req-7",
        },
    )


def test_bad_event_logs_the_reason(caplog: pytest.LogCaptureFixture) -> None:
    event = make_v2_event(path="/echo/")
    event["headers"]["x-n"] = 5
    with caplog.at_level(logging.INFO, logger="django_lambda"):
        result = handler.lambda_handler(event, CONTEXT)
    [record] = [r for r in caplog.records if r.name.startswith("django_lambda")]
    reason = "Header 'x-n' has a int value; header values must be strings."
    assert (result["statusCode"], result["body"]) == (400, reason)
    assert json.loads(record.getMessage()) == {
        "message": "bad event",
        "source": "apigw_v2",
        "status": 400,
        "reason": reason,
        "request_id": "req-7",
    }


def test_malformed_shape_is_400_not_an_exception() -> None:
    event = make_v2_event(path="/echo/")
    event["requestContext"]["http"] = "GET /echo/"
    result = handler.lambda_handler(event, CONTEXT)
    assert (result["statusCode"], result["body"]) == (
        400,
        "The event's requestContext.http must be an object.",
    )


def test_exception_escaping_django_is_logged_and_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(environ: dict[str, Any], start_response: Any) -> Any:
        raise RuntimeError("middleware exploded")

    monkeypatch.setattr(handler, "application", broken)
    with caplog.at_level(logging.ERROR, logger="django_lambda"), pytest.raises(RuntimeError):
        handler.lambda_handler(make_v2_event(path="/echo/"), CONTEXT)
    [record] = [r for r in caplog.records if r.name.startswith("django_lambda")]
    assert json.loads(record.getMessage()) == {
        "message": "request failed",
        "status": None,
        "method": "GET",
        "path": "/echo/",
        "request_id": "req-7",
    }
    assert record.exc_info is not None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda e: e.pop("httpMethod"), "The event has no HTTP method."),
        (lambda e: e.pop("path"), "The event has no path."),
        (lambda e: e.update(path=5), "The event's path must be a string, not int."),
        (
            lambda e: e.update(headers="Host: x"),
            "The event's headers must be an object, not str.",
        ),
        (
            lambda e: e.update(queryStringParameters=["a"]),
            "The event's query parameters must be an object, not list.",
        ),
        (
            lambda e: e.update(queryStringParameters={"a": 1}),
            "Query parameter 'a' must have string values, not int.",
        ),
        (
            lambda e: e.update(requestContext="prod"),
            "Malformed apigw_v1 event: AttributeError(\"'str' object has no attribute 'get'\").",
        ),
    ],
)
def test_malformed_rest_event_is_400(change: Any, reason: str) -> None:
    event = make_v1_event(path="/echo/", query="a=1", multi_value=False)
    change(event)
    result = handler.lambda_handler(event, CONTEXT)
    assert result == {
        "statusCode": 400,
        "headers": {"Content-Type": "text/plain; charset=utf-8"},
        "multiValueHeaders": {},
        "body": reason,
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda e: e.pop("requestContext"), "The event's requestContext must be an object."),
        (
            lambda e: e["requestContext"].pop("http"),
            "The event's requestContext.http must be an object.",
        ),
        (lambda e: e.update(rawPath=None), "The event has no path."),
        (
            lambda e: e.update(rawQueryString=["a=1"]),
            "The event's rawQueryString must be a string, not list.",
        ),
        (
            lambda e: e.update(body="\ud800", isBase64Encoded=False),
            "The event's body is not valid Unicode text.",
        ),
    ],
)
def test_malformed_http_api_event_is_400(change: Any, reason: str) -> None:
    event = make_v2_event(path="/echo/")
    change(event)
    assert handler.lambda_handler(event, CONTEXT) == {
        "statusCode": 400,
        "headers": {"Content-Type": "text/plain; charset=utf-8"},
        "cookies": [],
        "body": reason,
        "isBase64Encoded": False,
    }


def test_kong_forward_without_uri_is_400() -> None:
    event = make_kong_event(path="/echo/")
    del event["request_uri"]
    result = handler.lambda_handler(event, CONTEXT)
    assert result == {
        "statusCode": 400,
        "headers": {"Content-Type": "text/plain; charset=utf-8"},
        "body": "The event has no request_uri.",
        "isBase64Encoded": False,
    }
