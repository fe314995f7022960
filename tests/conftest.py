"""Keep every test away from a developer's real AWS account."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import django
import pytest
from django.conf import settings
from django.core.signals import setting_changed
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from django_lambda.sandbox import LAMBDA_TRUST_POLICY
from tests.deploy_helpers import FakeBuild
from tests.postgres import Postgres, cluster_or_skip

# For tests of the suite's own guards (tests/test_checks.py).
pytest_plugins = ("pytester",)

if django.VERSION < (5, 0):

    def storages_keep_their_options(*, setting: str, enter: bool, **kwargs: object) -> None:
        """Django 4.2's override_settings(STORAGES=...) also sets the deprecated
        STATICFILES_STORAGE and DEFAULT_FILE_STORAGE to the backends alone, and its
        storage handler, seeing those overridden, rebuilds both aliases from them:
        their OPTIONS (the bucket) are lost. Settings modules are not affected."""
        if setting == "STORAGES" and enter:
            for name in ("STATICFILES_STORAGE", "DEFAULT_FILE_STORAGE"):
                settings._wrapped.__dict__.pop(name, None)  # type: ignore[misc]

    setting_changed.connect(storages_keep_their_options)


@pytest.fixture(autouse=True)
def check_ids_are_in_the_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every django_lambda system check message a test makes has its id in the catalog
    the checks reference is generated from (django_lambda/checks/catalog.py)."""
    from django.core.checks import CheckMessage

    from django_lambda.checks.catalog import CATALOG

    made: list[str] = []
    original = CheckMessage.__init__

    def recording(self: CheckMessage, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if isinstance(self.id, str) and self.id.startswith("django_lambda."):
            made.append(self.id)

    monkeypatch.setattr(CheckMessage, "__init__", recording)
    yield
    unknown = sorted(set(made) - set(CATALOG))
    assert not unknown, f"{', '.join(unknown)} not in django_lambda/checks/catalog.py"


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def role_arn() -> Iterator[str]:
    """A moto account, alive for the test, holding a role Lambda can assume."""
    from moto import mock_aws

    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(
            RoleName="site-lambda", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY)
        )
        yield str(role["Role"]["Arn"])


@pytest.fixture
def fake_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBuild:
    """package.build_package replaced by a small real zip (see tests.deploy_helpers)."""
    from django_lambda import package

    fake = FakeBuild(tmp_path)
    monkeypatch.setattr(package, "build_package", fake)
    return fake


# Hypothesis budgets: "ci" (the default) keeps the fuzz tests fast enough for
# .ci/run and derandomized, so CI is reproducible; HYPOTHESIS_PROFILE=long runs
# a real, random search, e.g.
#   HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/test_fuzz_events.py
hypothesis_settings.register_profile(
    "fuzz",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_fuzz = hypothesis_settings.get_profile("fuzz")
hypothesis_settings.register_profile("ci", _fuzz, max_examples=40, derandomize=True)
hypothesis_settings.register_profile("long", _fuzz, max_examples=5000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 for the session (see tests/postgres.py)."""
    with cluster_or_skip() as cluster:
        yield cluster
