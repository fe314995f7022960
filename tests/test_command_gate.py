"""The command gate: only an event with the proof for its exact command line runs it.

A command here is ``write_marker PATH``, which writes a file: a refused event
must leave no file behind, whatever it carries. The function's key is set as
lambda_deploy sets it, in the environment; it must never come back in a
result or a log line, nor may the proof.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.response import StreamingBody
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_lambda import gate, remote
from django_lambda.handler import lambda_handler
from tests import marker_command

CONTEXT = SimpleNamespace(aws_request_id="gate-request")
KEY = "Kq3-function-key-for-the-gate-tests-0123456789"


@pytest.fixture
def marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file ``write_marker`` would write; the command is added to Django's."""
    marker_command.install(monkeypatch, KEY)
    return tmp_path / "marker.txt"


def command(marker: Path) -> str:
    return f"write_marker {marker}"


def refused(
    event: Any, marker: Path, caplog: pytest.LogCaptureFixture, *, reason: str
) -> dict[str, Any]:
    """Invoke with ``event``: nothing ran, the result and one warning line give ``reason``."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="django_lambda"):
        result = lambda_handler(event, CONTEXT)
    assert not marker.exists()
    assert result == {"returncode": 126, "stdout": "", "stderr": f"Refused: {reason}\n"}
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert json.loads(record.getMessage()) == {
        "message": "command refused",
        "reason": reason,
        "command": "write_marker",
        "request_id": "gate-request",
    }
    secrets = [KEY, gate.make_proof(KEY, "manage", command(marker))]
    if isinstance(event, dict) and isinstance(event.get("proof"), str) and event["proof"]:
        secrets.append(event["proof"])
    for secret in secrets:
        assert secret not in json.dumps(result)
        assert secret not in caplog.text
    return result


def test_the_proof_for_the_command_runs_it(marker: Path) -> None:
    # The control for every refusal below.
    result = lambda_handler(remote.command_event(command(marker), KEY), CONTEXT)
    assert result == {"returncode": 0, "stdout": f"wrote {marker}\n", "stderr": ""}
    assert marker.read_text() == "the command ran\n"


def test_no_proof(marker: Path, caplog: pytest.LogCaptureFixture) -> None:
    refused(
        {"manage": command(marker)},
        marker,
        caplog,
        reason="the event carries no proof. Send commands with `manage.py lambda_invoke --manage`.",
    )


WRONG_PROOF = (
    "the event's proof is not the one for this command line and this function's key. "
    "Send commands with `manage.py lambda_invoke --manage`."
)
# name -> the proof sent along with a command line.
WRONG_PROOFS: dict[str, Any] = {
    "zeros": lambda line: "0" * 64,
    "empty": lambda line: "",
    "null": lambda line: None,
    "number": lambda line: 12,
    "list": lambda line: [gate.make_proof(KEY, "manage", line)],
    "non-ascii": lambda line: "é" * 64,
    "upper-case": lambda line: gate.make_proof(KEY, "manage", line).upper(),
    "another-key": lambda line: gate.make_proof("another function's key", "manage", line),
    "another-kind": lambda line: gate.make_proof(KEY, "task", line),
    "another-command-line": lambda line: gate.make_proof(KEY, "manage", line + " "),
    "a-leaked-proof-of-another-command": lambda line: gate.make_proof(KEY, "manage", "check"),
}


@pytest.mark.parametrize("name", sorted(WRONG_PROOFS))
def test_wrong_proof(name: str, marker: Path, caplog: pytest.LogCaptureFixture) -> None:
    event = {"manage": command(marker), "proof": WRONG_PROOFS[name](command(marker))}
    refused(event, marker, caplog, reason=WRONG_PROOF)


def test_extra_keys(marker: Path, caplog: pytest.LogCaptureFixture) -> None:
    event = {**remote.command_event(command(marker), KEY), "path": "/", "httpMethod2": "GET"}
    refused(
        event,
        marker,
        caplog,
        reason="a command event holds only 'manage' and 'proof', and this one also has "
        "httpMethod2, path.",
    )


@pytest.mark.parametrize("key", [None, ""])
def test_a_function_without_a_key(
    key: str | None, marker: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    if key is None:
        monkeypatch.delenv(gate.KEY_VARIABLE)
    else:
        monkeypatch.setenv(gate.KEY_VARIABLE, key)
    refused(
        remote.command_event(command(marker), ""),
        marker,
        caplog,
        reason="the function has no DJANGO_LAMBDA_KEY environment variable to check proofs "
        "with. lambda_deploy sets one; deploy again.",
    )


@override_settings(DJANGO_LAMBDA={"MANAGE": False})
def test_manage_false_runs_nothing_even_with_the_proof(
    marker: Path, caplog: pytest.LogCaptureFixture
) -> None:
    refused(
        remote.command_event(command(marker), KEY),
        marker,
        caplog,
        reason="DJANGO_LAMBDA['MANAGE'] is False: this function runs no management commands.",
    )


@override_settings(DJANGO_LAMBDA={"MANAGE": "write_marker"})
def test_a_bad_manage_value_runs_nothing(marker: Path, caplog: pytest.LogCaptureFixture) -> None:
    refused(
        remote.command_event(command(marker), KEY),
        marker,
        caplog,
        reason="DJANGO_LAMBDA['MANAGE'] is neither True, False nor a list of command names "
        "(check django_lambda.E016), so no command runs.",
    )


@override_settings(DJANGO_LAMBDA={"MANAGE": ["migrate", "clearsessions"]})
def test_a_command_outside_the_list_does_not_run(
    marker: Path, caplog: pytest.LogCaptureFixture
) -> None:
    refused(
        remote.command_event(command(marker), KEY),
        marker,
        caplog,
        reason="'write_marker' is not one of the commands DJANGO_LAMBDA['MANAGE'] allows "
        "(migrate, clearsessions).",
    )


@override_settings(DJANGO_LAMBDA={"MANAGE": ["write_marker"]})
def test_a_listed_command_runs_with_its_proof(
    marker: Path, caplog: pytest.LogCaptureFixture
) -> None:
    refused(
        {"manage": command(marker)},
        marker,
        caplog,
        reason="the event carries no proof. Send commands with `manage.py lambda_invoke --manage`.",
    )
    result = lambda_handler(remote.command_event(command(marker), KEY), CONTEXT)
    assert result["returncode"] == 0
    assert marker.exists()


# --- gate.py itself ---------------------------------------------------------------


def test_new_keys_are_long_random_and_fit_an_environment_variable() -> None:
    keys = {gate.new_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(key) >= 43 and key.isascii() and key.isprintable() for key in keys)


def test_a_proof_covers_the_kind_and_the_exact_payload() -> None:
    proof = gate.make_proof(KEY, "manage", "migrate --noinput")
    assert gate.verify_proof(KEY, "manage", "migrate --noinput", proof)
    assert not gate.verify_proof(KEY, "manage", "migrate  --noinput", proof)
    assert not gate.verify_proof(KEY, "task", "migrate --noinput", proof)
    assert not gate.verify_proof(KEY + "x", "manage", "migrate --noinput", proof)
    assert not gate.verify_proof(KEY, "manage", "migrate --noinput", proof.upper())
    assert len(proof) == 64 and KEY not in proof


def test_a_task_payload_signs_the_same_whatever_its_key_order() -> None:
    proof = gate.make_proof(KEY, "task", {"args": [1, "é"], "name": "app.tasks.send"})
    assert gate.verify_proof(KEY, "task", {"name": "app.tasks.send", "args": [1, "é"]}, proof)
    assert not gate.verify_proof(KEY, "task", {"name": "app.tasks.send", "args": [2, "é"]}, proof)


def test_the_key_comes_from_the_environment() -> None:
    assert gate.key_from({gate.KEY_VARIABLE: "k"}) == "k"
    assert gate.key_from({gate.KEY_VARIABLE: ""}) is None
    assert gate.key_from({}) is None


def test_the_gate_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, django_lambda.gate; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'boto3')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out == "[]\n"


# --- lambda_invoke --manage against a function deployed to moto -------------------


@pytest.fixture
def deployed(
    role_arn: str, fake_build: Any, monkeypatch: pytest.MonkeyPatch, marker: Path
) -> Iterator[list[Any]]:
    """A function deployed to moto by lambda_deploy, whose Invoke runs the real handler
    here (moto cannot run it) in the environment moto keeps for it. Yields the events."""
    import time

    import boto3

    from django_lambda import aws

    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    monkeypatch.delenv(gate.KEY_VARIABLE)  # the function's environment comes from moto
    events: list[Any] = []

    def run_here(params: dict[str, Any], **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        lambda_client = boto3.client("lambda", region_name="us-east-1")
        qualifier = params["query_string"].get("Qualifier", "$LATEST")
        configuration = lambda_client.get_function_configuration(
            FunctionName="site", Qualifier=qualifier
        )
        event = json.loads(params["body"])
        events.append(event)
        with monkeypatch.context() as patch:
            for name, value in configuration["Environment"]["Variables"].items():
                patch.setenv(name, value)
            result = json.dumps(lambda_handler(event, CONTEXT)).encode()
        payload = StreamingBody(io.BytesIO(result), len(result))
        return SimpleNamespace(status_code=200, headers={}), {"StatusCode": 200, "Payload": payload}

    def client(service_name: str, **where: Any) -> Any:
        session: Any = boto3.session.Session()  # Any: the stubs want a literal name
        made = session.client(service_name, region_name="us-east-1")
        made.meta.events.register("before-call.lambda.Invoke", run_here)
        return made

    # lambda_invoke makes its invoke client; the Deployer's come from aws.clients.
    for module in (aws, aws.clients):
        monkeypatch.setattr(module, "client", client)
    with override_settings(DJANGO_LAMBDA={"FUNCTION_NAME": "site", "ROLE_ARN": role_arn}):
        call_command("lambda_deploy", "--skip-static", stdout=io.StringIO(), stderr=io.StringIO())
        yield events


def invoke(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("lambda_invoke", *args, stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


@pytest.mark.slow
def test_remote_manage_proves_the_command_with_the_deployed_key(
    deployed: list[Any], marker: Path
) -> None:
    out, err = invoke("--manage", command(marker))
    assert (out, err) == (f"wrote {marker}\n", "")
    assert marker.exists()
    key = deployed_key()
    [event] = deployed
    assert event == remote.command_event(command(marker), key)
    assert key not in out + err


@pytest.mark.slow
def test_remote_manage_refused_by_the_function_exits_126(deployed: list[Any], marker: Path) -> None:
    with override_settings(DJANGO_LAMBDA={"FUNCTION_NAME": "site", "MANAGE": ["migrate"]}):
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError) as caught:
            call_command("lambda_invoke", "--manage", command(marker), stdout=out, stderr=err)
    assert caught.value.returncode == 126
    assert err.getvalue() == (
        "Refused: 'write_marker' is not one of the commands DJANGO_LAMBDA['MANAGE'] allows "
        "(migrate).\n"
    )
    assert not marker.exists()


def test_a_raw_event_gets_no_proof(deployed: list[Any], marker: Path, tmp_path: Path) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps({"manage": command(marker)}))
    out, _ = invoke("--event", str(event_file))
    assert json.loads(out)["stderr"].startswith("Refused: the event carries no proof.")
    assert not marker.exists()


def deployed_key() -> str:
    import boto3

    configuration = boto3.client("lambda", region_name="us-east-1").get_function_configuration(
        FunctionName="site", Qualifier="live"
    )
    return str(configuration["Environment"]["Variables"][gate.KEY_VARIABLE])


def test_the_http_path_never_loads_the_gate_or_the_command_runner() -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from django_lambda.handler import lambda_handler\n"
        "from tests.factories import make_v2_event\n"
        "result = lambda_handler(make_v2_event(path='/echo/'), None)\n"
        "assert result['statusCode'] == 200, result\n"
        "loaded = {'django_lambda.gate', 'django_lambda.remote'}\n"
        "print(sorted(loaded & set(sys.modules)))\n"
        "lambda_handler({'manage': 'check'}, None)\n"
        "print(sorted(loaded & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "[]\n['django_lambda.gate', 'django_lambda.remote']\n"
