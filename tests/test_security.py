"""Security properties of the handler that hold for every event source.

- A header whose name contains "_" cannot pose as X-Forwarded-For, -Host,
  -Proto or -Port (WSGI spells "-" and "_" the same way, HTTP_X_FORWARDED_FOR).
- The client-supplied start of X-Forwarded-For never becomes REMOTE_ADDR.
- No HTTP event can run a management command, whatever it carries named "manage".
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import override_settings

from django_lambda import handler
from django_lambda.handler import lambda_handler
from tests.factories import FACTORIES, make_event
from tests.shapes import FAMILIES, assert_valid_result

pytestmark = pytest.mark.urls("tests.echo_urls")

CONTEXT = SimpleNamespace(aws_request_id="security-request", function_name="security")
SOURCES = sorted(FACTORIES)
EVIL = "198.51.100.66"
SPOOFS = [
    ("X_Forwarded_For", EVIL),
    ("X_Forwarded_Host", "evil.example"),
    ("X_Forwarded_Proto", "http"),
    ("X_Forwarded_Port", "8443"),
    ("x_forwarded_for", EVIL),
]
HONEST = [("Accept", "text/html"), ("X-Request-Tag", "t1")]


def seen(event: dict[str, Any]) -> dict[str, Any]:
    result = lambda_handler(event, CONTEXT)
    assert result["statusCode"] == 200, result
    return json.loads(result["body"])  # type: ignore[no-any-return]


# Django would trust these if they got through, so a spoof would show.
trusting_proxies = override_settings(USE_X_FORWARDED_HOST=True, USE_X_FORWARDED_PORT=True)


@trusting_proxies
@pytest.mark.parametrize("source", SOURCES)
def test_underscore_headers_change_nothing_django_sees(source: str) -> None:
    honest = seen(make_event(source, path="/who/", headers=HONEST))
    spoofed = seen(make_event(source, path="/who/", headers=HONEST + SPOOFS))
    assert spoofed == honest
    assert EVIL not in json.dumps(spoofed)


@trusting_proxies
@pytest.mark.parametrize("source", SOURCES)
def test_the_hyphenated_header_does_get_through(source: str) -> None:
    # The control for the test above: the same spoof with "-" is visible.
    spoofed = seen(make_event(source, path="/who/", headers=[("X-Forwarded-Host", "evil.example")]))
    assert spoofed["host"] == "evil.example"


@pytest.mark.parametrize("source", SOURCES)
def test_client_supplied_forwarded_for_is_never_the_client_address(source: str) -> None:
    echo = seen(make_event(source, path="/who/", headers=[("X-Forwarded-For", EVIL)]))
    assert echo["remote_addr"] != EVIL


@pytest.mark.parametrize(
    ("sent", "scheme"),
    [
        ("javascript", "https"),
        ("ftp", "https"),
        ("https, http", "https"),
        ("", "https"),
        ("http", "http"),
        ("HTTP", "http"),
        ("https", "https"),
    ],
)
@pytest.mark.parametrize("source", SOURCES)
def test_forwarded_proto_sets_the_scheme_only_to_http_or_https(
    source: str, sent: str, scheme: str
) -> None:
    echo = seen(make_event(source, path="/who/", headers=[("X-Forwarded-Proto", sent)]))
    assert echo["scheme"] == scheme


@pytest.fixture
def commands_run(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every management command the handler starts, recorded instead of run."""
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(handler, "call_command", lambda *args, **kwargs: calls.append(args))
    return calls


def test_a_direct_manage_invocation_runs_the_command(commands_run: list[tuple[Any, ...]]) -> None:
    # The control for the tests below: the spy sees a real invocation.
    result = lambda_handler({"manage": "flush --noinput"}, CONTEXT)
    assert result["returncode"] == 0
    assert commands_run == [("flush", "--noinput")]


MANAGE = "flush --noinput"
CARRIERS: dict[str, dict[str, Any]] = {
    "json-body": {"method": "POST", "body": json.dumps({"manage": MANAGE})},
    "query": {"query": "manage=flush+--noinput"},
    "header": {"headers": [("Manage", MANAGE)]},
    "path": {"path": "/manage/flush"},
}


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
@pytest.mark.parametrize("source", SOURCES)
def test_no_http_event_runs_a_command(
    source: str, carrier: str, commands_run: list[tuple[Any, ...]]
) -> None:
    result = lambda_handler(make_event(source, **CARRIERS[carrier]), CONTEXT)
    assert_valid_result(FAMILIES[source], result)
    assert result["statusCode"] == 200
    assert commands_run == []


@pytest.mark.parametrize("source", SOURCES)
def test_a_manage_key_beside_an_http_event_is_ignored(
    source: str, commands_run: list[tuple[Any, ...]]
) -> None:
    event = make_event(source)
    event["manage"] = MANAGE
    result = lambda_handler(event, CONTEXT)
    assert_valid_result(FAMILIES[source], result)
    assert commands_run == []
