"""From an empty account to a live site and back, through moto's server on loopback: the
execution role and the static bucket created, reused, and removed by lambda_undeploy."""

from __future__ import annotations

import io
import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.deploy_helpers import FakeBuild, write_site
from tests.moto_server import moto_server

pytestmark = pytest.mark.slow

STATIC_STORAGE = """
STATICFILES_DIRS = [BASE_DIR / "assets"]
STORAGES = {
    "staticfiles": {
        "BACKEND": "django_lambda.storage.StaticStorage",
        "OPTIONS": {"bucket_name": "site-static", "region_name": "eu-west-1"},
    },
}
"""


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's server with nothing in it but AWS's managed policies, as a new account."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    with moto_server(reset=True) as url:
        yield url


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, endpoint: str, fake_build: FakeBuild
) -> Iterator[Path]:
    project = tmp_path / "project"
    (project / "assets").mkdir(parents=True)
    (project / "assets" / "site.css").write_text("body { color: navy; }\n")
    monkeypatch.setattr(sys, "path", [*sys.path, str(project)])
    module = write_site(project, STATIC_STORAGE)
    setting = {
        "FUNCTION_NAME": "site",
        "REGION": "eu-west-1",
        "PROJECT_DIR": str(project),
        "ENDPOINT_URL": endpoint,
        "ENVIRONMENT": {"DJANGO_SETTINGS_MODULE": module},
    }
    with override_settings(DJANGO_LAMBDA=setting):
        yield project


def command(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def client(endpoint: str, service: str) -> Any:
    # boto3-stubs types a client per literal service name.
    make: Any = boto3.client
    return make(service, region_name="eu-west-1", endpoint_url=endpoint)


def test_first_deploy_creates_the_role_and_the_bucket_and_serves_static_files(
    project: Path, endpoint: str
) -> None:
    dry = command("lambda_deploy", "--dry-run", "--no-smoke-test")
    assert "Pretending to create role 'site-lambda', trusted by lambda.amazonaws.com" in dry
    assert (
        "Pretending to create bucket 'site-static' in eu-west-1, its objects readable by "
        "anyone, ACLs blocked." in dry
    )
    assert client(endpoint, "s3").list_buckets()["Buckets"] == []

    out = command("lambda_deploy", "--no-smoke-test")

    assert "Created bucket 'site-static' in eu-west-1" in out
    assert "Deployed 'site' (created role 'site-lambda'; created bucket 'site-static';" in out
    hashed = json.loads((project / "staticfiles.json").read_text())["paths"]["site.css"]
    # Anyone may read the static files: no credentials on this request.
    with urllib.request.urlopen(f"{endpoint}/site-static/{hashed}") as response:
        assert response.read() == b"body { color: navy; }\n"
    role = client(endpoint, "iam").get_role(RoleName="site-lambda")["Role"]
    configuration = client(endpoint, "lambda").get_function_configuration(FunctionName="site")
    assert configuration["Role"] == role["Arn"]

    again = command("lambda_deploy", "--no-smoke-test")

    assert "Created" not in again
    assert "created" not in again


def test_status_then_undeploy_leaves_nothing_and_a_second_run_removes_nothing(
    project: Path, endpoint: str, fake_build: FakeBuild
) -> None:
    command("lambda_deploy", "--no-smoke-test")
    # The local build, which lambda_status compares with the deployed code.
    build_dir = project / ".lambda"
    build_dir.mkdir(exist_ok=True)
    fake_build(output=build_dir / "package.zip")
    lam, iam, s3 = (client(endpoint, name) for name in ("lambda", "iam", "s3"))
    url = lam.get_function_url_config(FunctionName="site", Qualifier="live")["FunctionUrl"]

    status = json.loads(command("lambda_status", "--json"))

    assert status["alias"] == {"name": "live", "version": "1"}
    assert status["versions"] == ["1"]
    assert status["url"] == url
    assert status["local_build"]["deployed"] is True
    assert status["metrics"]["invocations"] is None
    screen = command("lambda_status")
    assert "\nAlias:           live -> version 1\n" in screen
    assert f"\nURL:             {url}\n" in screen
    assert (
        "\nLast 24 hours:   invocations: no data, errors: no data, throttles: no data, "
        "p95 duration: no data\n" in screen
    )

    dry = command("lambda_undeploy", "--dry-run")
    assert "Would remove:\n  - function 'site' with 1 published version, alias 'live'" in dry
    assert lam.get_function(FunctionName="site")

    out = command("lambda_undeploy", "--noinput")

    assert "Removed function 'site' with 1 published version, alias 'live'" in out
    assert "Removed role 'site-lambda'." in out
    assert (
        "Kept bucket 'site-static' and the static files in it (--delete-static-bucket "
        "empties and deletes it)." in out
    )
    assert out.endswith("Undeployed 'site'.\n")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="site")
    assert iam.list_roles()["Roles"] == []
    assert [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]] == ["site-static"]

    again = command("lambda_undeploy", "--noinput", "--delete-static-bucket")

    assert "Removed bucket 'site-static' and every file in it." in again
    assert "function" not in again
    assert s3.list_buckets()["Buckets"] == []
    assert command("lambda_undeploy", "--noinput") == (
        "Nothing to remove: no deploy of 'site' is left.\n"
    )
