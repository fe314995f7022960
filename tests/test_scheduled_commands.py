"""A scheduled command's event: it runs the command its SCHEDULE entry names when the proof
(made by lambda_deploy for the schedule's fixed input) holds, and logs the outcome in one
line, at ERROR when the command failed. Nothing a client shapes passes for one."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import override_settings

from django_lambda import gate, remote
from django_lambda.handler import lambda_handler
from tests import marker_command

KEY = "schedule-tests-function-key-0123456789abcdef"
CONTEXT = SimpleNamespace(aws_request_id="schedule-request")


@pytest.fixture
def marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    marker_command.install(monkeypatch, KEY)
    return tmp_path / "marker.txt"


def scheduled(marker: Path) -> dict[str, Any]:
    return {"nightly": {"command": f"write_marker {marker}", "schedule": "rate(1 day)"}}


def invoke(event: dict[str, Any], caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="django_lambda"):
        return lambda_handler(event, CONTEXT)


def test_a_scheduled_event_runs_its_command_and_logs_it(
    marker: Path, caplog: pytest.LogCaptureFixture
) -> None:
    line = f"write_marker {marker}"
    with override_settings(DJANGO_LAMBDA={"SCHEDULE": scheduled(marker), "MANAGE": False}):
        result = invoke(remote.scheduled_event("nightly", line, KEY), caplog)
    # MANAGE is for commands sent by hand: a schedule needs only its entry.
    assert result["returncode"] == 0
    assert marker.exists()
    [record] = caplog.records
    assert (record.name, record.levelno) == ("django_lambda.schedule", logging.INFO)
    assert json.loads(record.getMessage()) == {
        "message": "scheduled command",
        "schedule": "nightly",
        "command": line,
        "returncode": 0,
        "stdout": f"wrote {marker}\n",
        "stderr": "",
        "request_id": "schedule-request",
    }


def test_a_failed_scheduled_command_is_logged_at_error(
    marker: Path, caplog: pytest.LogCaptureFixture
) -> None:
    schedule = {"broken": {"command": "write_marker", "schedule": "rate(1 hour)"}}
    with override_settings(DJANGO_LAMBDA={"SCHEDULE": schedule}):
        result = invoke(remote.scheduled_event("broken", "write_marker", KEY), caplog)
    assert result["returncode"] != 0
    [record] = [r for r in caplog.records if r.name == "django_lambda.schedule"]
    assert record.levelno == logging.ERROR
    line = json.loads(record.getMessage())
    assert line["returncode"] == result["returncode"]
    assert "path" in line["stderr"]


def test_a_long_output_is_cut_to_fit_one_log_event(caplog: pytest.LogCaptureFixture) -> None:
    result = {"returncode": 0, "stdout": "é" * 400_000, "stderr": "done\n"}
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="django_lambda.schedule"):
        remote.log_scheduled("big", "big", result, CONTEXT)
    [record] = [r for r in caplog.records if r.name == "django_lambda.schedule"]
    message = record.getMessage()
    assert len(message.encode()) < 256 * 1024
    line = json.loads(message)
    assert "cut here" in line["stdout"] and line["stderr"] == "done\n"


def forgeries(marker: Path) -> dict[str, dict[str, Any]]:
    line = f"write_marker {marker}"
    proved = remote.scheduled_event("nightly", line, KEY)
    return {
        "no-proof": {"schedule": "nightly", "manage": line},
        "guessed-proof": {"schedule": "nightly", "manage": line, "proof": "0" * 64},
        "another-key": remote.scheduled_event("nightly", line, "a key the client made up"),
        "another-schedule-name": {**proved, "schedule": "hourly"},
        "another-command": {**proved, "manage": f"{line}.other"},
        "the-proof-of-a-hand-sent-command": {
            "schedule": "nightly",
            "manage": line,
            "proof": gate.make_proof(KEY, "manage", line),
        },
        "extra-keys": {**proved, "task": {}},
    }


@pytest.mark.parametrize("name", sorted(forgeries(Path("/"))))
def test_a_forged_scheduled_event_runs_nothing(
    name: str, marker: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(DJANGO_LAMBDA={"SCHEDULE": scheduled(marker)}):
        result = invoke(forgeries(marker)[name], caplog)
    assert result["returncode"] == remote.REFUSED
    assert not marker.exists()
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert json.loads(record.getMessage())["message"] == "command refused"
    assert KEY not in json.dumps(result) + caplog.text


def test_a_schedule_the_settings_no_longer_name_runs_nothing(
    marker: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A schedule left over from an older deploy, with a proof that still holds.
    event = remote.scheduled_event("nightly", f"write_marker {marker}", KEY)
    with override_settings(DJANGO_LAMBDA={"SCHEDULE": {}}):
        result = invoke(event, caplog)
    assert result["returncode"] == remote.REFUSED
    assert "lambda_deploy brings the schedules up to date" in result["stderr"]
    assert not marker.exists()
