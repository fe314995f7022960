"""lambda_logs, lambda_status and lambda_undeploy against moto in-process, from an empty
account (AWS's managed policies loaded, as AWS has them)."""

from __future__ import annotations

import builtins
import io
import itertools
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_lambda import aws
from django_lambda.aws import status
from django_lambda.deploy import teardown
from tests.deploy_helpers import FakeBuild, deploy

SETTING = {"FUNCTION_NAME": "site", "REGION": "us-east-1"}
NOW = datetime(2026, 11, 30, 14, 0, tzinfo=timezone.utc)
HOUR_AGO = NOW - timedelta(hours=1)


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    with mock_aws(), override_settings(DJANGO_LAMBDA=SETTING):
        yield


def command(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def client(service: str) -> Any:
    make: Any = boto3.client
    return make(service, region_name="us-east-1")


# -- lambda_logs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("30s", NOW - timedelta(seconds=30)),
        ("10m", NOW - timedelta(minutes=10)),
        ("1h", NOW - timedelta(hours=1)),
        ("2d", NOW - timedelta(days=2)),
        ("2026-11-30T12:00", datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)),
        (
            "2026-11-30T12:00:00+01:00",
            datetime(2026, 11, 30, 11, 0, tzinfo=timezone.utc),
        ),
    ],
)
def test_since_takes_durations_and_iso_times(since: str, expected: datetime) -> None:
    assert aws.parse_since(since, NOW) == expected


def test_a_bad_since_is_an_error_naming_what_is_accepted(account: None) -> None:
    with pytest.raises(CommandError) as raised:
        command("lambda_logs", "--since", "yesterday")
    assert str(raised.value) == (
        "--since 'yesterday' is neither a duration (30s, 10m, 1h, 2d) nor an ISO time "
        "(2026-11-30T14:00, 2026-11-30T14:00:00+01:00)."
    )


def put(messages: list[str], stream: str = "2026/11/30/[1]abc") -> None:
    logs = client("logs")
    group = "/aws/lambda/site"
    if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        logs.create_log_group(logGroupName=group)
    if not logs.describe_log_streams(logGroupName=group)["logStreams"]:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": now, "message": message} for message in messages],
    )


REQUEST = "8f5e7c1a-3b2d-4c6e-9a0f-1b2c3d4e5f60"


def test_each_event_has_its_time_and_its_request(account: None) -> None:
    put(
        [
            f"START RequestId: {REQUEST} Version: 1",
            "printed without a request id",
            f"[ERROR]\t2026-11-30T14:00:00.000Z\t{REQUEST}\tboom",
            f"END RequestId: {REQUEST}",
        ]
    )

    lines = command("lambda_logs").splitlines()

    assert [line.split(" ", 3)[2:] for line in lines] == [
        [REQUEST, f"START RequestId: {REQUEST} Version: 1"],
        [REQUEST, "printed without a request id"],
        [REQUEST, f"[ERROR]\t2026-11-30T14:00:00.000Z\t{REQUEST}\tboom"],
        [REQUEST, f"END RequestId: {REQUEST}"],
    ]
    # No colour when the output is not a terminal.
    assert "\x1b[" not in "".join(lines)


def test_follow_polls_with_backoff_until_interrupted(
    account: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(["first"])
    sleeps: list[float] = []
    polls = itertools.count(1)

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        poll = next(polls)
        if poll == 3:
            put(["second"])
        if poll == 6:
            raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", sleep)

    lines = command("lambda_logs", "--follow").splitlines()

    assert [line.split(" ", 3)[3] for line in lines] == ["first", "second"]
    # Quiet polls wait longer; a poll that brought events starts over.
    assert sleeps == [1.0, 2.0, 4.0, 1.0, 2.0, 4.0]


def test_no_log_group_yet_is_no_events(account: None) -> None:
    err = io.StringIO()
    call_command("lambda_logs", "--filter", "ERROR", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("No log events matching 'ERROR' in /aws/lambda/site since ")


# -- lambda_status --------------------------------------------------------------


def test_status_of_a_function_that_does_not_exist(account: None) -> None:
    with pytest.raises(CommandError, match=r"^Function 'site' does not exist in us-east-1\."):
        command("lambda_status")


def test_status_reads_the_last_days_metrics(account: None) -> None:
    cloudwatch = client("cloudwatch")
    dimensions = [{"Name": "FunctionName", "Value": "site"}]
    cloudwatch.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": dimensions,
                "Value": 5,
                "Timestamp": HOUR_AGO,
            },
            {"MetricName": "Errors", "Dimensions": dimensions, "Value": 1, "Timestamp": HOUR_AGO},
        ],
    )

    figures = status.metrics(aws.Aws(region="us-east-1"), "site", now=NOW)

    assert figures == {
        "period_hours": 24,
        "invocations": 5,
        "errors": 1,
        "throttles": None,
        "p95_duration_ms": None,
    }


# -- lambda_undeploy ------------------------------------------------------------


@pytest.mark.slow
def test_undeploy_asks_for_the_functions_name(
    account: None, fake_build: FakeBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy("--skip-static")
    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return "sit"

    monkeypatch.setattr(builtins, "input", answer)

    with pytest.raises(CommandError) as raised:
        command("lambda_undeploy")

    assert str(raised.value) == "'sit' is not 'site': nothing was removed."
    assert asked == ["Type the function's name (site) to remove it: "]
    assert client("lambda").get_function(FunctionName="site")

    monkeypatch.setattr(builtins, "input", lambda prompt: "site")
    out = command("lambda_undeploy")

    assert "This removes:\n  - function 'site' with 1 published version, alias 'live'" in out
    assert "Removed role 'site-lambda'." in out
    with pytest.raises(client("lambda").exceptions.ResourceNotFoundException):
        client("lambda").get_function(FunctionName="site")


@pytest.mark.slow
def test_undeploy_removes_the_http_api_a_deploy_created(
    account: None, fake_build: FakeBuild
) -> None:
    with override_settings(DJANGO_LAMBDA={**SETTING, "HTTP": "http_api"}):
        deploy("--skip-static")
        out = command("lambda_undeploy", "--noinput")

    assert "Removed HTTP API 'site' (" in out
    assert client("apigatewayv2").get_apis()["Items"] == []


@pytest.mark.slow
def test_undeploy_keeps_what_no_deploy_created(account: None, fake_build: FakeBuild) -> None:
    deploy("--skip-static")
    client("apigatewayv2").create_api(Name="site", ProtocolType="HTTP")

    out = command("lambda_undeploy", "--noinput")

    assert "Kept HTTP API 'site' (" in out
    assert "no deploy created it (it lacks the tag django-lambda:function)." in out
    assert len(client("apigatewayv2").get_apis()["Items"]) == 1


def test_undeploy_leaves_a_function_lambda_deploy_did_not_make(account: None) -> None:
    role = client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    client("lambda").create_function(
        FunctionName="site",
        Role=role["Role"]["Arn"],
        Runtime="python3.12",
        Handler="app.handler",
        Code={"ZipFile": b"not run"},
    )

    with pytest.raises(CommandError) as raised:
        command("lambda_undeploy", "--noinput")

    assert str(raised.value).startswith(
        "function 'site' was not deployed by lambda_deploy (its environment has no command "
        "gate key), so lambda_undeploy leaves it alone.\nHint: check DJANGO_LAMBDA"
    )
    assert client("lambda").get_function(FunctionName="site")


def test_a_failed_removal_names_the_aws_error_and_what_to_do(
    account: None, fake_build: FakeBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy("--skip-static")

    def refused(run: teardown.Teardown) -> list[teardown.Removal]:
        def remove() -> None:
            raise aws.DeployError(
                "delete_function on function 'site' failed (AccessDeniedException): no\n"
                "Hint: The deploying identity may not call delete_function.",
                code="AccessDeniedException",
            )

        return [teardown.Removal("function 'site'", remove)]

    monkeypatch.setattr(
        teardown, "STEPS", [teardown.TeardownStep("function", refused), *teardown.STEPS[2:]]
    )

    with pytest.raises(CommandError) as raised:
        command("lambda_undeploy", "--noinput")

    message = str(raised.value)
    assert message.startswith("Removing function 'site' failed: delete_function on function")
    assert "(AccessDeniedException)" in message
    assert message.endswith("run lambda_undeploy again to go on.")
