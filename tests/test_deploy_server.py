"""lambda_deploy through ENDPOINT_URL against moto's server on loopback (the sandbox's path)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.test import override_settings

from django_lambda import package
from tests.deploy_helpers import FakeBuild, deploy
from tests.moto_server import moto_server

pytestmark = pytest.mark.slow


@pytest.fixture
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


def test_deploy_and_rollback_through_endpoint_url(
    endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeBuild(tmp_path)
    monkeypatch.setattr(package, "build_package", fake, raising=False)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    clients: dict[str, Any] = {
        name: boto3.client(name, region_name="eu-west-1", endpoint_url=endpoint)
        for name in ("iam", "lambda")
    }
    role = clients["iam"].create_role(RoleName="site-lambda", AssumeRolePolicyDocument="{}")
    setting = {
        "FUNCTION_NAME": "site",
        "ROLE_ARN": role["Role"]["Arn"],
        "REGION": "eu-west-1",
        "ENDPOINT_URL": endpoint,
    }

    with override_settings(DJANGO_LAMBDA=setting):
        first = deploy("--skip-static")
        fake.body = "v2"
        deploy("--skip-static")
        rolled = deploy("--rollback")

    lam = clients["lambda"]
    assert lam.get_alias(FunctionName="site", Name="live")["FunctionVersion"] == "1"
    assert "moved from version 2 to 1" in rolled
    assert lam.get_function_configuration(FunctionName="site")["CodeSha256"] == (
        fake(output=None).sha256
    )
    url = lam.get_function_url_config(FunctionName="site", Qualifier="live")["FunctionUrl"]
    assert f"URL: {url}" in first
    assert f"URL: {url}" in rolled
    policy = json.loads(lam.get_policy(FunctionName="site", Qualifier="live")["Policy"])
    assert len(policy["Statement"]) == 2
