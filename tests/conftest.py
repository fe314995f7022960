"""Keep every test away from a developer's real AWS account."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


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
