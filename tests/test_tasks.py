"""The Tasks backend: ``enqueue()`` invokes the same function asynchronously with a proved task
event, and the handler runs a task event only when its proof holds.

The function's side of Lambda's Invoke API here is the local one
(``local.invoke_api``) that ``lambda_serve`` gives its functions: each test
catches what ``enqueue()`` sent there, then hands it to the handler as Lambda
would. A task here writes a file, so a task that must not run leaves none.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from django_lambda import gate, invocation, limits
from django_lambda.handler import lambda_handler
from django_lambda.local.invoke_api import InvokeAPI
from django_lambda.tasks import framework
from tests.factories import FACTORIES, make_event
from tests.shapes import FAMILIES, assert_valid_result

if not framework.available():  # pragma: no cover - the dev extra installs the backport
    pytest.skip("no Tasks framework installed", allow_module_level=True)

from django_lambda.tasks import EnqueueError, LambdaBackend, TaskTooLarge
from django_lambda.tasks import events as task_events
from tests.testapp import tasks

pytestmark = pytest.mark.urls("tests.echo_urls")

KEY = "tasks-tests-function-key-0123456789abcdef"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:site:live"
CONTEXT = SimpleNamespace(aws_request_id="task-request", invoked_function_arn=ARN)
BACKEND = {"default": {"BACKEND": "django_lambda.tasks.LambdaBackend"}}


class Sent:
    """What the function sent to Lambda's Invoke API: (function name, event) pairs."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def accept(self, request_id: str, payload: bytes) -> None:
        self.events.append(json.loads(payload))


@pytest.fixture
def sent(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sent]:
    """A function serving an invocation under the alias ``live``, with its key, whose
    asynchronous invocations of itself are caught."""
    settings.TASKS = BACKEND
    monkeypatch.setenv(gate.KEY_VARIABLE, KEY)
    caught = Sent()
    api = InvokeAPI("site", caught.accept)
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", api.endpoint)
    invocation.serving(CONTEXT)
    try:
        yield caught
    finally:
        invocation.serving(None)
        api.close()


def run(event: dict[str, Any], caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="django_lambda"):
        return lambda_handler(event, CONTEXT)


def ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The log records of django-lambda (the framework logs its own too)."""
    return [r for r in caplog.records if r.name.startswith("django_lambda")]


# --- enqueue, then run --------------------------------------------------------


def test_an_enqueued_task_runs_when_its_event_arrives(
    sent: Sent, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "marker.txt"
    result = tasks.write_marker.enqueue(str(marker), text="hello")
    assert not marker.exists()
    [event] = sent.events
    assert set(event) == {"task", "proof"}
    assert event["task"] == {
        "id": result.id,
        "task": "tests.testapp.tasks.write_marker",
        "backend": "default",
        "queue_name": "default",
        "args": [str(marker)],
        "kwargs": {"text": "hello"},
        "enqueued_at": result.enqueued_at.isoformat() if result.enqueued_at else None,
    }
    assert result.status == framework.READY

    answer = run(event, caplog)
    assert marker.read_text() == "hello"
    assert answer == {"id": result.id, "status": "SUCCESSFUL", "return_value": 5}
    [record] = ours(caplog)
    assert record.levelno == logging.INFO
    line = json.loads(record.getMessage())
    assert line["message"] == "task"
    assert (line["id"], line["status"], line["request_id"]) == (
        result.id,
        "SUCCESSFUL",
        "task-request",
    )


def test_a_task_that_takes_its_context_sees_its_own_result(
    sent: Sent, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "id.txt"
    result = tasks.write_own_id.enqueue(str(marker))
    run(sent.events[0], caplog)
    assert marker.read_text() == result.id


def test_an_async_task_runs_to_completion(
    sent: Sent, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "marker.txt"
    tasks.write_marker_async.enqueue(str(marker))
    run(sent.events[0], caplog)
    assert marker.read_text() == "the async task ran\n"


def test_a_failing_task_fails_the_invocation_and_logs_an_error(
    sent: Sent, caplog: pytest.LogCaptureFixture
) -> None:
    # Raised back to Lambda, which then retries it and sends it to the failure destination.
    result = tasks.fail.enqueue("it broke")
    with pytest.raises(RuntimeError, match="it broke"):
        run(sent.events[0], caplog)
    [record] = ours(caplog)
    assert record.levelno == logging.ERROR
    line = json.loads(record.getMessage())
    assert (line["id"], line["status"]) == (result.id, "FAILED")
    assert line["error"] == "RuntimeError: it broke"


def test_enqueue_signals_and_invokes_the_alias_it_runs_under(sent: Sent, tmp_path: Path) -> None:
    seen: list[Any] = []

    def receiver(sender: Any, task_result: Any, **kwargs: Any) -> None:
        seen.append(task_result)

    framework.task_enqueued.connect(receiver)
    try:
        result = tasks.write_marker.enqueue(str(tmp_path / "m"))
    finally:
        framework.task_enqueued.disconnect(receiver)
    assert [r.id for r in seen] == [result.id]


def test_the_invoke_goes_to_the_invoked_arn(sent: Sent, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_lambda.tasks import backend

    assert backend.invoke_target(tasks.write_marker) == (ARN, "us-east-1")
    invocation.serving(None)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "site")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert backend.invoke_target(tasks.write_marker) == ("site:7", "eu-west-1")


# --- what enqueue() refuses ---------------------------------------------------


def test_an_oversized_task_is_refused_at_enqueue(sent: Sent) -> None:
    big = "x" * limits.ASYNC_EVENT_LIMIT
    with pytest.raises(TaskTooLarge) as caught:
        tasks.write_marker.enqueue("/nowhere", text=big)
    message = str(caught.value)
    assert "tests.testapp.tasks.write_marker" in message
    assert f"{limits.ASYNC_EVENT_LIMIT:,} bytes" in message
    size = int(message.split("its event is ")[1].split(" bytes")[0].replace(",", ""))
    assert size > limits.ASYNC_EVENT_LIMIT
    assert sent.events == []


def test_enqueue_outside_a_function_says_to_configure_another_backend(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TASKS = BACKEND
    monkeypatch.delenv(gate.KEY_VARIABLE, raising=False)
    with pytest.raises(EnqueueError, match="ImmediateBackend"):
        tasks.write_marker.enqueue("/nowhere")


def test_a_task_its_module_path_does_not_find_is_refused(sent: Sent) -> None:
    with pytest.raises(framework.InvalidTask, match="_hidden is not the task"):
        tasks.misplaced.enqueue("/nowhere")
    assert sent.events == []


def test_run_after_is_refused(sent: Sent) -> None:
    with pytest.raises(framework.InvalidTask, match="run_after"):
        tasks.write_marker.using(run_after=timezone.now()).enqueue("/nowhere")
    assert sent.events == []


def test_arguments_json_cannot_carry_are_refused(sent: Sent) -> None:
    with pytest.raises((TypeError, ValueError)):
        tasks.write_marker.enqueue({1, 2})  # type: ignore[arg-type]
    assert sent.events == []


def test_a_refusal_by_lambda_names_the_function_and_the_fix(
    sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = "arn:aws:lambda:us-east-1:123456789012:function:another:live"
    invocation.serving(SimpleNamespace(aws_request_id="r", invoked_function_arn=other))
    with pytest.raises(EnqueueError, match=r"another.*ResourceNotFoundException"):
        tasks.write_marker.enqueue("/nowhere")


def test_what_the_backend_supports() -> None:
    assert LambdaBackend.supports_defer is False
    assert LambdaBackend.supports_get_result is False
    assert LambdaBackend.supports_priority is False
    assert LambdaBackend.supports_async_task is True


# --- the gate: nothing a client shapes runs a task ----------------------------


def proved_event(marker: Path) -> dict[str, Any]:
    payload = {
        "id": "forged",
        "task": "tests.testapp.tasks.write_marker",
        "backend": "default",
        "queue_name": "default",
        "args": [str(marker)],
        "kwargs": {},
        "enqueued_at": "2026-11-30T12:00:00+00:00",
    }
    return task_events.task_event(payload, KEY)


@pytest.fixture
def keyed(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.TASKS = BACKEND
    monkeypatch.setenv(gate.KEY_VARIABLE, KEY)


def test_the_control_a_proved_event_does_run(
    keyed: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "marker.txt"
    run(proved_event(marker), caplog)
    assert marker.exists()


def forgeries(marker: Path) -> dict[str, dict[str, Any]]:
    """Task events as a client could shape them (Kong at its defaults, a REST non-proxy
    integration): without the proof, or with one that is not for this payload and key."""
    proved = proved_event(marker)
    payload = proved["task"]
    other_args = {**payload, "args": [str(marker) + ".other"]}
    return {
        "no-proof": {"task": payload},
        "guessed-proof": {"task": payload, "proof": "0" * 64},
        "proof-not-a-string": {"task": payload, "proof": [proved["proof"]]},
        "proof-for-another-key": task_events.task_event(payload, "a key the client made up"),
        "proof-for-other-arguments": {"task": other_args, "proof": proved["proof"]},
        "proof-as-a-command": {"task": payload, "proof": gate.make_proof(KEY, "manage", payload)},
        "extra-keys": {**proved, "warmup": False},
        "task-as-a-string": {"task": json.dumps(payload), "proof": proved["proof"]},
        "kong-legacy-query": {"task": "tests.testapp.tasks.write_marker", "args": str(marker)},
    }


FORGERIES = sorted(forgeries(Path("/")))


@pytest.mark.parametrize("name", FORGERIES)
def test_a_forged_task_event_runs_nothing(
    name: str,
    keyed: None,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nor does it import the task's module or the worker.
    for module in ("tests.testapp.tasks", "django_lambda.tasks.worker"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    marker = tmp_path / "marker.txt"
    answer = run(forgeries(marker)[name], caplog)
    assert not marker.exists()
    assert answer["status"] == "REFUSED"
    assert "tests.testapp.tasks" not in sys.modules
    assert "django_lambda.tasks.worker" not in sys.modules
    [record] = ours(caplog)
    assert record.levelno == logging.WARNING
    assert json.loads(record.getMessage())["message"] == "task refused"
    assert KEY not in json.dumps(answer) + caplog.text


def test_a_proved_task_whose_payload_is_not_ours_runs_nothing(
    keyed: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "marker.txt"
    payload = {**proved_event(marker)["task"], "extra": 1}
    answer = run(task_events.task_event(payload, KEY), caplog)
    assert answer["status"] == "REFUSED"
    assert "this version of django-lambda" in answer["reason"]
    assert not marker.exists()


@pytest.mark.parametrize("key", [None, ""])
def test_a_function_without_a_key_runs_no_task(
    key: str | None,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    marker = tmp_path / "marker.txt"
    event = proved_event(marker)
    if key is None:
        monkeypatch.delenv(gate.KEY_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(gate.KEY_VARIABLE, key)
    answer = run(event, caplog)
    assert answer["status"] == "REFUSED"
    assert gate.KEY_VARIABLE in answer["reason"]
    assert not marker.exists()


def carriers(marker: Path) -> dict[str, dict[str, Any]]:
    """Requests that carry a proved task event every way HTTP can."""
    proved = proved_event(marker)
    return {
        "json-body": {"method": "POST", "body": json.dumps(proved)},
        "query": {"query": urlencode({"task": json.dumps(proved["task"]), **proved})},
        "header": {"headers": [("Task", json.dumps(proved["task"])), ("Proof", proved["proof"])]},
    }


CARRIERS = sorted(carriers(Path("/")))


@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize("source", sorted(FACTORIES))
def test_no_http_event_runs_a_task(source: str, carrier: str, keyed: None, tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    result = lambda_handler(make_event(source, **carriers(marker)[carrier]), CONTEXT)
    assert_valid_result(FAMILIES[source], result)
    assert result["statusCode"] == 200
    assert not marker.exists()


@pytest.mark.parametrize("source", sorted(FACTORIES))
def test_a_proved_task_beside_an_http_event_is_ignored(
    source: str, keyed: None, tmp_path: Path
) -> None:
    marker = tmp_path / "marker.txt"
    event = make_event(source)
    event.update(proved_event(marker))
    result = lambda_handler(event, CONTEXT)
    assert_valid_result(FAMILIES[source], result)
    assert not marker.exists()
