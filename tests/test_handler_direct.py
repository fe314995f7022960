"""Direct invocations: management commands, warm-up pings, and events of no known kind."""

from __future__ import annotations

from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from django.core.management.base import BaseCommand
from django.core.signals import request_started

from django_lambda import gate
from django_lambda.events.common import EMPTY_INPUT
from django_lambda.handler import UnknownEventError, lambda_handler
from django_lambda.remote import command_event, run_manage
from tests.factories import make_v2_event

CONTEXT = SimpleNamespace(aws_request_id="req-1")
KEY = "direct-tests-key"


@pytest.fixture(autouse=True)
def function_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The function's key, as lambda_deploy sets it; the commands below carry its proofs."""
    monkeypatch.setenv(gate.KEY_VARIABLE, KEY)


def manage(command_line: str) -> dict[str, Any]:
    return lambda_handler(command_event(command_line, KEY), CONTEXT)


def test_manage_runs_the_command_with_its_whole_output() -> None:
    result = manage("check --deploy --fail-level CRITICAL")
    # Warnings go to stderr, the way `manage.py check` writes them: four of
    # Django's security warnings, and django_lambda.W100 for the default LocMemCache.
    assert (result["returncode"], result["stdout"]) == (0, "")
    assert result["stderr"].startswith("System check identified some issues:")
    assert result["stderr"].endswith("System check identified 5 issues (0 silenced).\n")


def test_manage_splits_like_a_shell() -> None:
    result = manage("shell -v 0 -c 'print(\"a b\")'")
    assert result == {"returncode": 0, "stdout": "a b\n", "stderr": ""}


def test_manage_command_error_is_a_returncode() -> None:
    result = manage("check --tag no-such-tag")
    assert result == {
        "returncode": 1,
        "stdout": "",
        "stderr": 'CommandError: There is no system check with the "no-such-tag" tag.\n',
    }


def test_manage_unknown_command() -> None:
    assert manage("no_such_command") == {
        "returncode": 1,
        "stdout": "",
        "stderr": "CommandError: Unknown command: 'no_such_command'\n",
    }


def test_manage_bad_arguments() -> None:
    result = manage("check --no-such-option")
    assert result == {
        "returncode": 1,
        "stdout": "",
        "stderr": "CommandError: Error: unrecognized arguments: --no-such-option\n",
    }


def test_manage_system_exit_is_a_returncode() -> None:
    result = manage("check --help")
    assert (result["returncode"], result["stderr"]) == (0, "")
    assert result["stdout"].startswith("usage: ")


def test_manage_system_exit_with_message(monkeypatch: pytest.MonkeyPatch) -> None:
    class Command(BaseCommand):
        def handle(self, *args: Any, **options: Any) -> None:
            self.stdout.write("before")
            raise SystemExit("stopped early")

    monkeypatch.setattr("django.core.management.load_command_class", lambda app, name: Command())
    monkeypatch.setattr("django.core.management.get_commands", lambda: {"stopper": "tests"})
    assert manage("stopper") == {
        "returncode": 1,
        "stdout": "before\n",
        "stderr": "stopped early\n",
    }


def test_manage_crash_is_a_returncode_with_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    class Command(BaseCommand):
        def handle(self, *args: Any, **options: Any) -> None:
            raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("django.core.management.load_command_class", lambda app, name: Command())
    monkeypatch.setattr("django.core.management.get_commands", lambda: {"crasher": "tests"})
    result = manage("crasher")
    assert (result["returncode"], result["stdout"]) == (1, "")
    assert result["stderr"].startswith("Traceback (most recent call last):")
    assert result["stderr"].endswith("ZeroDivisionError: division by zero\n")


@pytest.mark.parametrize(
    ("command", "stderr"),
    [
        (
            "",
            'Give "manage" a command line as a string, e.g. '
            '{"manage": "migrate --noinput"}; got \'\'.\n',
        ),
        (
            ["migrate"],
            'Give "manage" a command line as a string, e.g. '
            '{"manage": "migrate --noinput"}; got [\'migrate\'].\n',
        ),
        (
            "shell -c 'unclosed",
            'Cannot split "shell -c \'unclosed" into arguments: No closing quotation.\n',
        ),
    ],
)
def test_manage_bad_command_line(command: object, stderr: str) -> None:
    assert run_manage(command) == {"returncode": 2, "stdout": "", "stderr": stderr}


def test_http_events_cannot_reach_manage() -> None:
    event = make_v2_event(path="/echo/")
    event["manage"] = "flush --noinput"
    result = lambda_handler(event, CONTEXT)
    assert result["statusCode"] == 200
    assert "returncode" not in result


SCHEDULED = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2019-10-08T16:53:06Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/MyScheduledRule"],
    "detail": {},
}


@pytest.mark.parametrize("event", [{"warmup": True}, SCHEDULED])
def test_warmup_does_not_touch_django(event: dict[str, Any]) -> None:
    started: list[object] = []

    def receiver(sender: object, **kwargs: object) -> None:
        started.append(sender)

    request_started.connect(receiver)
    try:
        assert lambda_handler(event, CONTEXT) == {"warm": True}
    finally:
        request_started.disconnect(receiver)
    assert started == []


@pytest.mark.parametrize(
    ("event", "keys"),
    [
        ({"Records": [], "foo": 1}, "Records, foo"),
        ({"warmup": "yes"}, "warmup"),
        ({**SCHEDULED, "detail-type": "Object Created"}, ", ".join(sorted(SCHEDULED))),
        ({}, "none"),
        (["a"], "none (the event is a list, not an object)"),
    ],
)
def test_unknown_event_names_its_keys(event: Any, keys: str) -> None:
    with pytest.raises(UnknownEventError) as raised:
        lambda_handler(event, CONTEXT)
    assert str(raised.value).startswith(
        f"django-lambda cannot serve this event; its top-level keys: {keys}. "
    )


def test_a_request_without_a_body_reads_empty_from_the_shared_input() -> None:
    seen: list[Any] = []

    def view(request: Any) -> Any:
        from django.http import HttpResponse

        stream = request.META["wsgi.input"]
        seen.append((stream, request.body, stream.read(), stream.readline(), list(stream)))
        return HttpResponse("ok")

    from django.test import override_settings
    from django.urls import path

    urlconf = ModuleType("empty_input_urls")
    urlconf.urlpatterns = [path("", view)]  # type: ignore[attr-defined]
    with override_settings(ROOT_URLCONF=urlconf):
        for _ in range(2):
            assert lambda_handler(make_v2_event(path="/"), CONTEXT)["statusCode"] == 200
    assert seen == [(EMPTY_INPUT, b"", b"", b"", [])] * 2
    assert EMPTY_INPUT.readlines() == []
    EMPTY_INPUT.close()  # a no-op: the next request still reads
    assert EMPTY_INPUT.read(10) == b""
