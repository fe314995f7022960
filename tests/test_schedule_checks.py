"""The checks of the schedules and the tasks' settings: E150-E162, one test per id at least."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks as django_checks
from django.test import override_settings

from django_lambda import tasks
from django_lambda.checks import check_deploy_configuration
from django_lambda.checks.schedules import check_schedules, expression_error


def ids(setting: dict[str, Any], **other: Any) -> list[str]:
    with override_settings(DJANGO_LAMBDA=setting, **other):
        messages = check_schedules()
    for message in messages:
        assert message.hint, message
    return [message.id or "" for message in messages]


def entry(**fields: Any) -> dict[str, Any]:
    return {"SCHEDULE": {"nightly": {"command": "check", "schedule": "rate(1 day)", **fields}}}


def test_valid_settings_raise_nothing() -> None:
    setting = {
        "SCHEDULE": {
            "nightly": {"command": "check --deploy", "schedule": "rate(1 day)"},
            "digest": {
                "command": "check",
                "schedule": "cron(0 8 ? * MON-FRI *)",
                "timezone": "Europe/Paris",
            },
        },
        "KEEP_WARM": "rate(5 minutes)",
        "SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/scheduler",
        "TASK_RETRIES": 0,
        "TASK_FAILURE_DESTINATION": "arn:aws:sqs:us-east-1:123456789012:failed",
    }
    assert ids(setting) == []


def test_e150_schedule_not_a_dict() -> None:
    assert ids({"SCHEDULE": [("nightly", "rate(1 day)")]}) == ["django_lambda.E150"]


def test_e151_entry_not_a_dict() -> None:
    assert ids({"SCHEDULE": {"nightly": "clearsessions"}}) == ["django_lambda.E151"]


@pytest.mark.parametrize("name", ["has space", "x" * 65, "keep-warm", 7, ""])
def test_e152_a_name_no_schedule_can_have(name: object) -> None:
    setting = {"SCHEDULE": {name: {"command": "check", "schedule": "rate(1 day)"}}}
    assert ids(setting) == ["django_lambda.E152"]


def test_e153_unknown_or_missing_keys() -> None:
    assert ids(entry(when="daily")) == ["django_lambda.E153"]
    assert ids({"SCHEDULE": {"nightly": {"command": "check"}}}) == ["django_lambda.E153"]


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 days)",
        "rate(5 minute)",
        "rate(0 hours)",
        "rate(1 week)",
        "every day",
        "cron(0 8 * * *)",
        "cron(0 8 * * MON *)",
        "cron(0 8 ? * ? *)",
        "cron(60 8 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 8 ? FOO MON *)",
        "cron(0 8 ? * MON#6 *)",
        "cron(0/0 8 * * ? *)",
        None,
    ],
)
def test_e154_bad_schedule_expressions(expression: object) -> None:
    assert ids(entry(schedule=expression)) == ["django_lambda.E154"]


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(15 minutes)",
        "rate(1 hour)",
        "rate(2 days)",
        "cron(0 8 * * ? *)",
        "cron(0/15 * ? * MON-FRI *)",
        "cron(0 12 L * ? 2027)",
        "cron(0 10 ? * 6L *)",
        "cron(0 10 ? * MON#1 *)",
        "cron(0 10 15W * ? *)",
        "cron(5,35 14 * JAN,JUL ? *)",
    ],
)
def test_good_schedule_expressions(expression: str) -> None:
    assert expression_error(expression) is None


def test_the_message_says_how_to_spell_a_rate() -> None:
    assert "'rate(1 day)'" in str(expression_error("rate(1 days)"))


def test_e155_unknown_time_zone() -> None:
    assert ids(entry(timezone="Paris")) == ["django_lambda.E155"]
    assert ids(entry(timezone=1)) == ["django_lambda.E155"]


def test_e156_no_command_line() -> None:
    assert ids(entry(command="")) == ["django_lambda.E156"]
    assert ids(entry(command='check "unclosed')) == ["django_lambda.E156"]
    assert ids(entry(command=["check"])) == ["django_lambda.E156"]


def test_e157_a_command_that_does_not_exist() -> None:
    assert ids(entry(command="clear_sesions")) == ["django_lambda.E157"]


def test_e158_keep_warm() -> None:
    assert ids({"KEEP_WARM": "5 minutes"}) == ["django_lambda.E158"]
    assert ids({"KEEP_WARM": True}) == ["django_lambda.E158"]


def test_e159_scheduler_role() -> None:
    assert ids({"SCHEDULER_ROLE_ARN": "scheduler"}) == ["django_lambda.E159"]


@pytest.mark.parametrize("retries", [3, -1, "2", True, 1.0])
def test_e160_task_retries(retries: object) -> None:
    assert ids({"TASK_RETRIES": retries}) == ["django_lambda.E160"]


def test_e161_failure_destination() -> None:
    assert ids({"TASK_FAILURE_DESTINATION": "failed-tasks"}) == ["django_lambda.E161"]


def test_e162_lambda_backend_without_a_framework(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_lambda.tasks import installed

    backend = {"default": {"BACKEND": "django_lambda.tasks.LambdaBackend"}}
    assert ids({}, TASKS=backend) == []
    monkeypatch.setattr(installed, "available", lambda: False)
    assert ids({}, TASKS=backend) == ["django_lambda.E162"]
    assert tasks.installed.INSTALL_HINT


def test_registered_and_run_by_the_deploy() -> None:
    with override_settings(DJANGO_LAMBDA={"KEEP_WARM": "often"}):
        registered = [m.id for m in django_checks.run_checks()]
        deploying = [m.id for m in check_deploy_configuration()]
    assert "django_lambda.E158" in registered
    assert "django_lambda.E158" in deploying
