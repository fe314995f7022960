"""Asynchronous invocations in local runs: what a function invokes of itself with
``InvocationType=Event`` (a task's ``enqueue()``) runs in another local function process,
under the real runtime client, as Lambda runs it in another execution environment.

The package here stands in for django_lambda.handler: a request makes it invoke itself
through the local Invoke API with urllib (the Tasks backend's boto3 call against that
API is tested in test_tasks.py); the event it sent prints a line with its process id.
"""

from __future__ import annotations

import io
import re
import signal
from pathlib import Path

import pytest
from django.core.management import call_command

from django_lambda.local import FunctionPool
from django_lambda.local.async_runs import AsyncRuns
from tests.local_packages import make_zip
from tests.serving import Server

pytestmark = pytest.mark.slow

SELF_INVOKING_HANDLER = """
import json
import os
import urllib.request


def lambda_handler(event, context):
    if "task" in event:
        print(f"ran task {event['task']} in pid {os.getpid()}", flush=True)
        if event["task"] == "fail":
            raise RuntimeError("the task failed")
        return {"ok": True}
    name = event.get("name") or event["rawPath"].strip("/")
    url = (
        os.environ["AWS_ENDPOINT_URL_LAMBDA"]
        + f"/2015-03-31/functions/{context.invoked_function_arn}/invocations"
    )
    request = urllib.request.Request(
        url,
        data=json.dumps({"task": name}).encode(),
        headers={"X-Amz-Invocation-Type": "Event"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        status = answer.status
    return {"statusCode": 200, "body": json.dumps({"invoke": status, "pid": os.getpid()})}
"""


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return make_zip(tmp_path, SELF_INVOKING_HANDLER)


def test_an_event_a_function_sends_itself_runs_in_another_process(package: Path) -> None:
    said: list[str] = []
    runs = AsyncRuns(package, retries=0, say=said.append, function_name="site")
    pool = FunctionPool(package, size=1, function_name="site", environment=runs.variables())
    with runs, pool:
        result = pool.invoke({"name": "hello"})
        assert result.function_error is None
        assert runs.wait(timeout=120)
    body = result.payload["body"]
    assert '"invoke": 202' in body
    log = "\n".join(said)
    ran = re.search(r"ran task hello in pid (\d+)", log)
    assert ran is not None, log
    assert f'"pid": {ran[1]}' not in body
    assert re.search(r"Asynchronous event \S+: done", log)


def test_a_failed_event_is_retried_then_dropped(package: Path) -> None:
    said: list[str] = []
    runs = AsyncRuns(package, retries=1, say=said.append, function_name="site")
    pool = FunctionPool(package, size=1, function_name="site", environment=runs.variables())
    with runs, pool:
        pool.invoke({"name": "fail"})
        assert runs.wait(timeout=120)
    log = "\n".join(said)
    assert log.count("ran task fail") == 2
    assert "(retry 1 of 1) failed" in log
    assert "the task failed" in log
    assert "no retries left" in log


def test_lambda_serve_runs_what_a_request_enqueued(package: Path) -> None:
    server = Server("--package", str(package), "--concurrency", "1")
    try:
        response, body = server.request("GET", "/hello")
        assert response.status == 200, body
        assert b'"invoke": 202' in body
        server.wait_for(r"ran task hello in pid \d+")
        server.wait_for(r"Asynchronous event \S+: done")
    finally:
        server.stop(signal.SIGINT)


def test_lambda_invoke_local_waits_for_what_the_request_enqueued(package: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "lambda_invoke",
        "GET",
        "/hello",
        "--local",
        "--package",
        str(package),
        stdout=out,
        stderr=err,
    )
    assert '"invoke": 202' in out.getvalue()
    said = out.getvalue() + err.getvalue()
    assert re.search(r"ran task hello in pid \d+", said), said
    assert re.search(r"Asynchronous event \S+: done", said), said
