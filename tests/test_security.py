"""Security properties of the handler that hold for every event source.

- A header whose name contains "_" cannot pose as X-Forwarded-For, -Host,
  -Proto or -Port (WSGI spells "-" and "_" the same way, HTTP_X_FORWARDED_FOR).
- The client-supplied start of X-Forwarded-For never becomes REMOTE_ADDR.
- No HTTP event can run a management command, whatever it carries named "manage";
  nor can an event a client shapes itself (Kong's legacy mode, a REST non-proxy
  integration), which has no proof.
- X-Forwarded-Proto sets the scheme only to http or https.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import override_settings

from django_lambda import gate, remote
from django_lambda.handler import UnknownEventError, lambda_handler
from tests import marker_command
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
KEY = "security-tests-function-key-0123456789abcdef"


@pytest.fixture
def marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file that ``write_marker <file>`` writes, if anything runs it."""
    marker_command.install(monkeypatch, KEY)
    return tmp_path / "marker.txt"


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


def test_a_proved_direct_invocation_runs_the_command(marker: Path) -> None:
    # The control for the tests below: the marker command does write its file.
    result = lambda_handler(remote.command_event(MANAGE.format(marker=marker), KEY), CONTEXT)
    assert result["returncode"] == 0
    assert marker.exists()


MANAGE = "write_marker {marker}"


def carriers(marker: Path) -> dict[str, dict[str, Any]]:
    """Requests that carry a command (some with its proof) every way HTTP can."""
    line = MANAGE.format(marker=marker)
    proved = remote.command_event(line, KEY)
    return {
        "json-body": {"method": "POST", "body": json.dumps({"manage": line})},
        "proved-json-body": {"method": "POST", "body": json.dumps(proved)},
        "query": {"query": urlencode({"manage": line})},
        "proved-query": {"query": urlencode(proved)},
        "header": {"headers": [("Manage", line), ("Proof", proved["proof"])]},
        "path": {"path": "/manage/write_marker"},
    }


CARRIERS = sorted(carriers(Path("/")))


@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize("source", SOURCES)
def test_no_http_event_runs_a_command(source: str, carrier: str, marker: Path) -> None:
    result = lambda_handler(make_event(source, **carriers(marker)[carrier]), CONTEXT)
    assert_valid_result(FAMILIES[source], result)
    assert result["statusCode"] == 200
    assert not marker.exists()


@pytest.mark.parametrize("source", SOURCES)
def test_a_proved_manage_key_beside_an_http_event_is_ignored(source: str, marker: Path) -> None:
    event = make_event(source)
    event.update(remote.command_event(MANAGE.format(marker=marker), KEY))
    result = lambda_handler(event, CONTEXT)
    assert_valid_result(FAMILIES[source], result)
    assert not marker.exists()


def kong_legacy(query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Kong's aws-lambda plugin at its defaults (no awsgateway_compatible, no
    forward_request_*): the event is the client's query arguments and body
    arguments merged into one object, and Kong answers with the result as it is."""
    return {**query, **body}


def hostile_events(marker: Path) -> dict[str, Any]:
    line = MANAGE.format(marker=marker)
    guess = "0" * 64
    return {
        # GET /route?manage=write_marker+...
        "kong-legacy-query": kong_legacy({"manage": line}, {}),
        # POST /route with the JSON body {"manage": ...}
        "kong-legacy-body": kong_legacy({}, {"manage": line}),
        "kong-legacy-query-and-body": kong_legacy({"page": "2"}, {"manage": line}),
        "kong-legacy-guessed-proof": kong_legacy({"proof": guess}, {"manage": line}),
        "kong-legacy-repeated-key": kong_legacy({"manage": [line, line]}, {}),
        "kong-legacy-bare-key": kong_legacy({"manage": True}, {}),
        # API Gateway REST, non-proxy integration, body passed through as it is
        "rest-passthrough": {"manage": line},
        "rest-passthrough-guessed-proof": {"manage": line, "proof": guess},
        "rest-passthrough-proof-for-another-key": {
            "manage": line,
            "proof": gate.make_proof("a key the client made up", "manage", line),
        },
    }


HOSTILE = sorted(hostile_events(Path("/")))


@pytest.mark.parametrize("name", HOSTILE)
def test_client_shaped_command_events_are_refused(
    name: str, marker: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="django_lambda"):
        result = lambda_handler(hostile_events(marker)[name], CONTEXT)
    assert not marker.exists()
    assert (result["returncode"], result["stdout"]) == (126, "")
    assert result["stderr"].startswith("Refused: ")
    [record] = caplog.records
    assert json.loads(record.getMessage())["message"] == "command refused"
    assert KEY not in json.dumps(result) + caplog.text


def test_rest_passthrough_with_the_default_mapping_template_is_no_command(marker: Path) -> None:
    # API Gateway's "Method Request passthrough" template nests the body.
    event = {
        "body-json": {"manage": MANAGE.format(marker=marker)},
        "params": {"path": {}, "querystring": {}, "header": {}},
        "stage-variables": {},
        "context": {"http-method": "POST", "stage": "prod"},
    }
    with pytest.raises(UnknownEventError):
        lambda_handler(event, CONTEXT)
    assert not marker.exists()
