"""W109: database connections kept between requests without a health check."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from django_lambda.checks import check_connection_health

POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "site"}

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


def warnings_for(**database: Any) -> list[Any]:
    with override_settings(DATABASES={"default": {**POSTGRES, **database}}):
        return check_connection_health()


@pytest.mark.parametrize("max_age", [60, None])
def test_w109_persistent_connections_without_health_checks(max_age: int | None) -> None:
    [warning] = warnings_for(CONN_MAX_AGE=max_age)
    assert warning.id == "django_lambda.W109"
    assert warning.msg.startswith(
        f"The database 'default' keeps connections between requests (CONN_MAX_AGE = "
        f"{max_age!r}) without CONN_HEALTH_CHECKS: a Lambda instance can be frozen"
    )
    assert warning.hint == (
        "Set DATABASES['default']['CONN_HEALTH_CHECKS'] = True, or CONN_MAX_AGE = 0."
    )


@pytest.mark.parametrize(
    "database",
    [
        {},  # Django's default: a connection per request
        {"CONN_MAX_AGE": 0},
        {"CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False},
        {"CONN_MAX_AGE": None, "CONN_HEALTH_CHECKS": True},
        {"CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True},
    ],
)
def test_w109_not_for_connections_per_request_or_checked_ones(database: dict[str, Any]) -> None:
    assert warnings_for(**database) == []


def test_w109_not_for_sqlite(tmp_path: Any) -> None:
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/db.sqlite3"}
    with override_settings(DATABASES={"default": {**sqlite, "CONN_MAX_AGE": None}}):
        assert check_connection_health() == []


def test_w109_names_each_database() -> None:
    databases = {
        "default": {**POSTGRES, "CONN_MAX_AGE": None, "CONN_HEALTH_CHECKS": True},
        "replica": {**POSTGRES, "CONN_MAX_AGE": 60},
    }
    with override_settings(DATABASES=databases):
        [warning] = check_connection_health()
    assert "The database 'replica' keeps connections" in warning.msg


def test_w109_runs_with_check_deploy_only() -> None:
    database = {"default": {**POSTGRES, "CONN_MAX_AGE": None}}
    with override_settings(DATABASES=database, ALLOWED_HOSTS=["*"]):
        ids = [message.id for message in run_checks(include_deployment_checks=True)]
        plain = [message.id for message in run_checks()]
    assert "django_lambda.W109" in ids
    assert "django_lambda.W109" not in plain
