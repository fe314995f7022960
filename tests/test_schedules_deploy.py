"""lambda_deploy makes EventBridge Scheduler's schedules match SCHEDULE and KEEP_WARM, and
applies TASK_RETRIES and TASK_FAILURE_DESTINATION to the alias, against moto's in-process AWS.

A schedule's input is checked the only way that matters: handed to the
handler as Scheduler would hand it, it runs the command (and a warm-up
answers warm)."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from django.core.management import call_command
from django.test import override_settings

from django_lambda import aws, gate
from django_lambda.aws.ownership import OWNER_TAG
from django_lambda.aws.schedules import remove_schedules, scheduler_role
from django_lambda.conf import deploy_config
from django_lambda.handler import lambda_handler
from tests import marker_command
from tests.deploy_helpers import FakeBuild, deploy

ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:site:live"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:site"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


@pytest.fixture
def marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    marker_command.install(monkeypatch)
    return tmp_path / "marker.txt"


@pytest.fixture
def base(role_arn: str, fake_build: FakeBuild) -> dict[str, Any]:
    return {"FUNCTION_NAME": "site", "ROLE_ARN": role_arn, "REGION": "us-east-1"}


def scheduler() -> Any:
    return boto3.client("scheduler", region_name="us-east-1")


def iam() -> Any:
    return boto3.client("iam", region_name="us-east-1")


def schedules() -> dict[str, dict[str, Any]]:
    client = scheduler()
    names = [s["Name"] for s in client.list_schedules(GroupName="site")["Schedules"]]
    return {name: client.get_schedule(Name=name, GroupName="site") for name in names}


def function_key() -> str:
    config = boto3.client("lambda", region_name="us-east-1").get_function_configuration(
        FunctionName="site"
    )
    return str(config["Environment"]["Variables"][gate.KEY_VARIABLE])


def deploy_with(setting: dict[str, Any], *args: str) -> str:
    with override_settings(DJANGO_LAMBDA=setting):
        return deploy("--skip-static", *args)


def test_deploy_creates_a_schedule_per_entry_and_the_warm_up(
    base: dict[str, Any], marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setting = {
        **base,
        "SCHEDULE": {
            "nightly": {"command": f"write_marker {marker}", "schedule": "rate(1 day)"},
            "digest": {
                "command": "check",
                "schedule": "cron(0 8 ? * MON *)",
                "timezone": "Europe/Paris",
            },
        },
        "KEEP_WARM": "rate(5 minutes)",
    }
    output = deploy_with(setting)

    group = scheduler().get_schedule_group(Name="site")
    tags = scheduler().list_tags_for_resource(ResourceArn=group["Arn"])["Tags"]
    assert {"Key": OWNER_TAG, "Value": "site"} in tags
    found = schedules()
    assert sorted(found) == ["digest", "keep-warm", "nightly"]
    assert found["nightly"]["ScheduleExpression"] == "rate(1 day)"
    assert found["digest"]["ScheduleExpression"] == "cron(0 8 ? * MON *)"
    assert found["digest"]["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert found["keep-warm"]["ScheduleExpression"] == "rate(5 minutes)"
    role = iam().get_role(RoleName="site-scheduler")["Role"]
    for schedule in found.values():
        assert schedule["Target"]["Arn"] == ALIAS_ARN
        assert schedule["Target"]["RoleArn"] == role["Arn"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "scheduler.amazonaws.com"
    }
    policy = iam().get_role_policy(RoleName="site-scheduler", PolicyName="django-lambda")
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == [FUNCTION_ARN, f"{FUNCTION_ARN}:*"]
    for name in ("nightly", "digest", "keep-warm"):
        assert f"Created schedule {name!r}" in output
    assert function_key() not in output

    # What Scheduler sends is what the function runs: the proof holds under its key.
    monkeypatch.setenv(gate.KEY_VARIABLE, function_key())
    context = SimpleNamespace(aws_request_id="scheduled")
    with override_settings(DJANGO_LAMBDA=setting):
        warm = lambda_handler(json.loads(found["keep-warm"]["Target"]["Input"]), context)
        assert warm == {"warm": True}
        result = lambda_handler(json.loads(found["nightly"]["Target"]["Input"]), context)
    assert result["returncode"] == 0
    assert marker.exists()


def test_a_later_deploy_updates_adds_and_deletes_to_match(base: dict[str, Any]) -> None:
    first = {
        **base,
        "SCHEDULE": {
            "keep": {"command": "check", "schedule": "rate(1 day)"},
            "change": {"command": "check", "schedule": "rate(1 hour)"},
            "drop": {"command": "check", "schedule": "rate(2 hours)"},
        },
    }
    deploy_with(first)
    kept = schedules()["keep"]
    second = {
        **base,
        "SCHEDULE": {
            "keep": {"command": "check", "schedule": "rate(1 day)"},
            "change": {"command": "check --deploy", "schedule": "rate(3 hours)"},
            "new": {"command": "check", "schedule": "rate(4 hours)"},
        },
    }
    output = deploy_with(second)
    found = schedules()
    assert sorted(found) == ["change", "keep", "new"]
    assert found["change"]["ScheduleExpression"] == "rate(3 hours)"
    assert json.loads(found["change"]["Target"]["Input"])["manage"] == "check --deploy"
    assert "Updated schedule 'change'" in output
    assert "Created schedule 'new'" in output
    assert "Deleted schedule 'drop'" in output
    assert "'keep'" not in output
    assert found["keep"]["LastModificationDate"] == kept["LastModificationDate"]

    # A deploy that names none removes the rest.
    output = deploy_with(base)
    assert schedules() == {}
    assert "Deleted schedule 'keep'" in output


def test_a_dry_run_says_what_would_change_and_changes_nothing(base: dict[str, Any]) -> None:
    deploy_with({**base, "SCHEDULE": {"old": {"command": "check", "schedule": "rate(1 day)"}}})
    setting = {**base, "KEEP_WARM": "rate(5 minutes)", "TASK_RETRIES": 0}
    output = deploy_with(setting, "--dry-run")
    assert "Pretending to create schedule 'keep-warm'" in output
    assert "Pretending to delete schedule 'old'" in output
    assert "Pretending to set the asynchronous invocations" in output
    assert sorted(schedules()) == ["old"]


def test_a_scheduler_role_of_ones_own(base: dict[str, Any]) -> None:
    own = "arn:aws:iam::123456789012:role/my-scheduler"
    setting = {
        **base,
        "SCHEDULER_ROLE_ARN": own,
        "KEEP_WARM": "rate(10 minutes)",
    }
    deploy_with(setting)
    assert schedules()["keep-warm"]["Target"]["RoleArn"] == own
    names = [r["RoleName"] for r in iam().list_roles()["Roles"]]
    assert "site-scheduler" not in names


def test_a_deploy_without_schedules_makes_no_group(base: dict[str, Any]) -> None:
    deploy_with(base)
    assert scheduler().list_schedule_groups(NamePrefix="site")["ScheduleGroups"] == []


def test_a_group_no_deploy_created_is_left_alone(base: dict[str, Any]) -> None:
    scheduler().create_schedule_group(Name="site")
    setting = {**base, "KEEP_WARM": "rate(5 minutes)"}
    with pytest.raises(Exception, match=f"lacks the tag {OWNER_TAG}=site"):
        deploy_with(setting)


def test_a_deploy_without_schedules_leaves_someone_elses_group_alone(base: dict[str, Any]) -> None:
    scheduler().create_schedule_group(Name="site")
    output = deploy_with(base)
    assert "Left schedule group 'site' alone: no deploy created it." in output
    assert scheduler().get_schedule_group(Name="site")["Name"] == "site"


def test_task_retries_and_failure_destination_go_on_the_alias(base: dict[str, Any]) -> None:
    queue = "arn:aws:sqs:us-east-1:123456789012:site-failed-tasks"
    output = deploy_with({**base, "TASK_RETRIES": 1, "TASK_FAILURE_DESTINATION": queue})
    config = boto3.client("lambda", region_name="us-east-1").get_function_event_invoke_config(
        FunctionName="site", Qualifier="live"
    )
    assert config["MaximumRetryAttempts"] == 1
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue
    assert "Set the asynchronous invocations of alias 'live'" in output
    # Unchanged: not set again.
    output = deploy_with({**base, "TASK_RETRIES": 1, "TASK_FAILURE_DESTINATION": queue})
    assert "asynchronous invocations" not in output


@pytest.fixture
def deployed_schedules(base: dict[str, Any]) -> Iterator[aws.Aws]:
    setting = {**base, "SCHEDULE": {"a": {"command": "check", "schedule": "rate(1 day)"}}}
    setting["KEEP_WARM"] = "rate(5 minutes)"
    deploy_with(setting)
    said: list[str] = []
    yield aws.Aws(region="us-east-1", say=said.append)


def test_remove_schedules_removes_them_and_the_group(deployed_schedules: aws.Aws) -> None:
    assert remove_schedules(deployed_schedules, "site") == ["a", "keep-warm"]
    assert scheduler().list_schedule_groups(NamePrefix="site")["ScheduleGroups"] == []
    # Again: nothing left, nothing to do.
    assert remove_schedules(deployed_schedules, "site") == []


def test_remove_schedules_leaves_a_group_it_did_not_create(role_arn: str) -> None:
    scheduler().create_schedule_group(Name="other")
    with pytest.raises(aws.DeployError, match="leaves its schedules alone"):
        remove_schedules(aws.Aws(region="us-east-1"), "other")
    assert scheduler().get_schedule_group(Name="other")["Name"] == "other"


def test_the_scheduler_role_may_only_invoke_the_function() -> None:
    with override_settings(DJANGO_LAMBDA={"FUNCTION_NAME": "site"}):
        spec = scheduler_role(deploy_config(), FUNCTION_ARN)
    assert spec.name == "site-scheduler"
    assert spec.service == "scheduler.amazonaws.com"
    assert spec.managed_policies == ()
    assert spec.inline_policy is not None
    [statement] = spec.inline_policy["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "lambda:InvokeFunction")


def test_undeploy_removes_the_schedules_and_the_scheduler_role(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    setting = {**base, "SCHEDULE": {"a": {"command": "check", "schedule": "rate(1 day)"}}}
    deploy_with(setting)
    out = io.StringIO()
    with override_settings(DJANGO_LAMBDA=setting):
        call_command("lambda_undeploy", "--noinput", stdout=out, stderr=io.StringIO())
    output = out.getvalue()
    assert "schedule group 'site' and its schedules (a)" in output
    assert scheduler().list_schedule_groups(NamePrefix="site")["ScheduleGroups"] == []
    names = [r["RoleName"] for r in iam().list_roles()["Roles"]]
    assert "site-scheduler" not in names


def test_undeploy_keeps_a_group_no_deploy_created(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy_with(base)
    scheduler().create_schedule_group(Name="site")
    out = io.StringIO()
    with override_settings(DJANGO_LAMBDA=base):
        call_command("lambda_undeploy", "--noinput", stdout=out, stderr=io.StringIO())
    assert "Kept schedule group 'site'" in out.getvalue()
    assert scheduler().get_schedule_group(Name="site")["Name"] == "site"


def test_the_created_execution_role_may_enqueue_tasks(
    fake_build: FakeBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws

    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    setting = {"FUNCTION_NAME": "site", "REGION": "us-east-1"}
    tasks = {"default": {"BACKEND": "django_lambda.tasks.LambdaBackend"}}
    with mock_aws(), override_settings(TASKS=tasks):
        deploy_with(setting)
        policy = iam().get_role_policy(RoleName="site-lambda", PolicyName="django-lambda")
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == [
        "arn:aws:lambda:*:*:function:site",
        "arn:aws:lambda:*:*:function:site:*",
    ]
