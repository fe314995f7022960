"""lambda_deploy evaluates the project's settings with the function's environment.

The settings modules here are files on disk, as lambda_deploy's child process
imports them; the deploy's own settings (DJANGO_LAMBDA) stay overridden in
this process, where the deploy reads them.
"""

from __future__ import annotations

import io
import json
import os
import sys
import textwrap
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import django
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_lambda import aws
from django_lambda.conf import deploy_config, local_runtime
from django_lambda.deploy import local_run
from django_lambda.deploy.environment import FunctionEnvironment
from django_lambda.sandbox import LAMBDA_TRUST_POLICY
from tests.deploy_helpers import FakeBuild, write_site
from tests.moto_server import moto_server as running_moto_server

# Settings that branch on an environment variable, as many projects' do.
DEBUG_FROM_ENVIRONMENT = 'DEBUG = os.environ.get("DEBUG", "1") == "1"\n'

STATIC_STORAGE = """
STATICFILES_DIRS = [BASE_DIR / "assets"]
STORAGES = {
    "staticfiles": {
        "BACKEND": "django_lambda.storage.StaticStorage",
        "OPTIONS": {"bucket_name": "site-static", "region_name": "us-east-1"},
    },
}
"""


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory on the import path (last, so that a stand-in Django in it
    does not shadow the real one), with a static file."""
    project = tmp_path / "project"
    (project / "assets").mkdir(parents=True)
    (project / "assets" / "site.css").write_text("body { color: navy; }\n")
    monkeypatch.setattr(sys, "path", [*sys.path, str(project)])
    return project


def deploy_settings(project: Path, settings: str, **setting: Any) -> override_settings:
    """DJANGO_LAMBDA for deploying ``project``, whose settings module is ``settings``."""
    module = write_site(project, settings)
    environment = {"DJANGO_SETTINGS_MODULE": module, **setting.pop("ENVIRONMENT", {})}
    return override_settings(
        DJANGO_LAMBDA={
            "FUNCTION_NAME": "site",
            "REGION": "us-east-1",
            "PROJECT_DIR": str(project),
            "ENVIRONMENT": environment,
            **setting,
        }
    )


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("lambda_deploy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def without_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)


def stub_django(project: Path) -> None:
    """Django, as far as the build's version check looks (the smoke test needs all of it)."""
    (project / "django").mkdir()
    (project / "django" / "__init__.py").write_text(f"VERSION = {django.VERSION!r}\n")


def test_the_function_environment_is_the_functions_and_only_that(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_PASSWORD", "from the deploying shell")
    setting = {"ENVIRONMENT": {"DEBUG": "0", "SECRET_KEY": "s3cr3t"}, "MEMORY_SIZE": 1024}

    with deploy_settings(project, "", **setting):
        environment = FunctionEnvironment.from_config(deploy_config())

    variables = environment.variables
    assert {name: variables[name] for name in ("DEBUG", "SECRET_KEY")} == {
        "DEBUG": "0",
        "SECRET_KEY": "s3cr3t",
    }
    assert variables["DJANGO_SETTINGS_MODULE"] == "mysite.settings"
    assert variables["AWS_LAMBDA_FUNCTION_NAME"] == "site"
    assert variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "1024"
    assert variables["AWS_REGION"] == variables["AWS_DEFAULT_REGION"] == "us-east-1"
    assert variables["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{local_runtime()}"
    # The project directory is what becomes the task root.
    assert variables["LAMBDA_TASK_ROOT"] == str(project)
    # Nothing of this shell's: no credentials, no profile, no other variable.
    assert "DATABASE_PASSWORD" not in variables
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & set(variables)
    assert variables["AWS_CONFIG_FILE"] == variables["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert environment.describe() == (
        "the function's environment: DJANGO_SETTINGS_MODULE=mysite.settings; DEBUG, SECRET_KEY "
        "from DJANGO_LAMBDA['ENVIRONMENT'] (values not shown); what Lambda sets "
        f"(AWS_LAMBDA_FUNCTION_NAME=site, AWS_REGION=us-east-1, LAMBDA_TASK_ROOT={project}, ...)"
    )


@pytest.mark.parametrize(("debug", "warned"), [("0", False), ("1", True)])
def test_w107_judges_the_debug_the_function_runs_with(
    project: Path, fake_build: FakeBuild, debug: str, warned: bool
) -> None:
    with deploy_settings(project, DEBUG_FROM_ENVIRONMENT, ENVIRONMENT={"DEBUG": debug}):
        out, err = run("--skip-static", "--build-only")

    assert ("django_lambda.W107" in err) is warned
    if warned:
        assert (
            "DEBUG is True: the deployed function would show tracebacks and settings to anyone "
            "who can reach its URL, and keeps every SQL query in memory. (Judged with the "
            "function's environment: DJANGO_LAMBDA['ENVIRONMENT'] and the variables Lambda "
            "sets.)"
        ) in err
    assert (
        "      With the function's environment: DJANGO_SETTINGS_MODULE=mysite.settings; DEBUG "
        "from DJANGO_LAMBDA['ENVIRONMENT'] (values not shown); what Lambda sets "
        f"(AWS_LAMBDA_FUNCTION_NAME=site, AWS_REGION=us-east-1, LAMBDA_TASK_ROOT={project}, ...).\n"
    ) in out


def test_check_deploy_by_hand_says_it_judged_this_processs_environment() -> None:
    err = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("check", "--deploy", stdout=io.StringIO(), stderr=err)

    assert (
        "(django_lambda.W107) DEBUG is True: the deployed function would show tracebacks and "
        "settings to anyone who can reach its URL, and keeps every SQL query in memory. (Judged "
        "with this process's environment, not the function's; lambda_deploy judges again with "
        "DJANGO_LAMBDA['ENVIRONMENT'] and the variables Lambda sets.)"
    ) in err.getvalue()


def test_an_error_only_the_functions_settings_have_stops_the_deploy(
    project: Path, fake_build: FakeBuild
) -> None:
    # Fine here, where DEBUG defaults to on; an error with the function's DEBUG=0.
    settings = DEBUG_FROM_ENVIRONMENT + (
        "if not DEBUG:\n"
        '    CACHES = {"pages": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}\n'
    )
    with (
        deploy_settings(project, settings, ENVIRONMENT={"DEBUG": "0"}),
        pytest.raises(CommandError) as raised,
    ):
        run("--skip-static", "--build-only")

    message = str(raised.value)
    assert message.startswith("[1/4] check failed with the function's environment:\n")
    assert "(caches.E001) You must define a 'default' cache in your CACHES setting." in message
    assert fake_build.calls == []


def test_settings_that_need_what_the_function_lacks_fail_the_check(
    project: Path, fake_build: FakeBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITE_SECRET", "only in the deploying shell")
    settings = 'SECRET_KEY = os.environ["SITE_SECRET"]\n'

    with deploy_settings(project, settings), pytest.raises(CommandError) as raised:
        run("--skip-static", "--build-only")

    message = str(raised.value)
    assert message.startswith(
        "[1/4] check failed: The project's code failed with the function's environment: "
        "DJANGO_SETTINGS_MODULE=mysite.settings; what Lambda sets"
    )
    assert "KeyError: 'SITE_SECRET'" in message
    assert message.endswith(
        "The function would fail the same way. Hint: a setting that reads a variable the "
        "function does not have needs it in DJANGO_LAMBDA['ENVIRONMENT'], or a default."
    )
    assert fake_build.calls == []


@pytest.mark.slow
def test_build_only_with_static_storage_needs_no_aws_and_ships_the_manifest(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_credentials(monkeypatch)
    stub_django(project)
    output = project / "out.zip"

    with deploy_settings(project, STATIC_STORAGE, REQUIREMENTS=None, COMPILE=False):
        out, _ = run("--build-only", str(output), "--no-smoke-test")
        first = output.read_bytes()
        run("--build-only", str(output), "--no-smoke-test")

    manifest = json.loads((project / "staticfiles.json").read_text())
    [(name, hashed)] = manifest["paths"].items()
    assert name == "site.css"
    staging = project / ".lambda" / "static"
    assert (staging / hashed).read_text() == "body { color: navy; }\n"
    assert f"      Collected into {staging}; no upload.\n" in out
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        assert json.loads(archive.read("staticfiles.json")) == manifest
    # Neither the collected files nor the first zip are in the second, which is the same.
    assert hashed not in names
    assert not [name for name in names if name.endswith(".zip")]
    assert output.read_bytes() == first


def test_the_local_runs_build_gets_the_manifest_without_aws(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh clone: no manifest, no package, no credentials.
    without_credentials(monkeypatch)
    stub_django(project)

    with deploy_settings(project, STATIC_STORAGE, REQUIREMENTS=None, COMPILE=False):
        zip_path = local_run.local_package(deploy_config())

    with zipfile.ZipFile(zip_path) as archive:
        manifest = json.loads(archive.read("staticfiles.json"))
    assert list(manifest["paths"]) == ["site.css"]


# A storage that uploads as it collects, as django-storages' S3 storages do:
# here it records whether it had credentials to upload with.
UPLOADING_STORAGE = """
import json, os

from django.core.files.storage import Storage


class UploadingStorage(Storage):
    def _save(self, name, content):
        with open(os.environ["UPLOADS"], "a") as uploads:
            uploads.write(json.dumps([name, os.environ.get("AWS_ACCESS_KEY_ID")]) + "\\n")
        return name

    def exists(self, name):
        return False

    def url(self, name):
        return "https://uploads.example.com/" + name
"""


@pytest.mark.slow
def test_a_storage_that_uploads_as_it_collects_gets_credentials_to_deploy_only(
    project: Path, role_arn: str, fake_build: FakeBuild
) -> None:
    (project / "mysite").mkdir()
    (project / "mysite" / "storage.py").write_text(UPLOADING_STORAGE)
    uploads = project / "uploads.jsonl"
    settings = """
        STATICFILES_DIRS = [BASE_DIR / "assets"]
        STORAGES = {"staticfiles": {"BACKEND": "mysite.storage.UploadingStorage"}}
    """
    setting = {"ROLE_ARN": role_arn, "ENVIRONMENT": {"UPLOADS": str(uploads)}}

    with deploy_settings(project, settings, **setting):
        out, _ = run("--build-only", "--no-smoke-test")
        assert not uploads.exists()
        assert (
            "      Static files not collected: STORAGES['staticfiles'] is "
            "mysite.storage.UploadingStorage, which uploads as it collects, and a build needs "
            "no AWS; lambda_deploy collects them when it deploys "
            "(django_lambda.storage.StaticStorage collects without AWS).\n"
        ) in out

        run("--no-smoke-test")
        # The deploying user's credentials, as boto3 resolves them here.
        key = aws.credential_variables()["AWS_ACCESS_KEY_ID"]

    assert uploads.read_text().splitlines() == [json.dumps(["site.css", key])]


@pytest.fixture
def moto_server() -> Iterator[str]:
    """moto's server on loopback, reachable from the child processes too."""
    with running_moto_server(reset=True) as url:
        yield url


@pytest.mark.slow
def test_only_the_upload_gets_credentials_and_only_the_deploying_users(
    project: Path, fake_build: FakeBuild, moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_PASSWORD", "from the deploying shell")
    iam = boto3.client("iam", endpoint_url=moto_server, region_name="us-east-1")
    role = iam.create_role(
        RoleName="site-lambda", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY)
    )["Role"]["Arn"]
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    s3.create_bucket(Bucket="site-static")
    seen = project / "seen.jsonl"
    # Every process that evaluates the settings says which step it is and what it got.
    recorder = f"""
        import json, sys
        with open({str(seen)!r}, "a") as record:
            record.write(json.dumps({{
                "step": sys.argv[2] if len(sys.argv) > 2 else sys.argv[0],
                "environ": dict(os.environ),
            }}) + "\\n")
        AWS_LOCATION = "static" if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") else ""
    """
    with deploy_settings(
        project,
        STATIC_STORAGE + textwrap.dedent(recorder),
        ROLE_ARN=role,
        ENDPOINT_URL=moto_server,
        ENVIRONMENT={"DEBUG": "0"},
    ):
        out, _ = run("--no-smoke-test")

    records = [json.loads(line) for line in seen.read_text().splitlines()]
    assert [record["step"] for record in records] == ["check", "collect", "upload"]
    by_step = {record["step"]: record["environ"] for record in records}
    credentials = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    for step in ("check", "collect"):
        assert not credentials & set(by_step[step]), step
        assert "AWS_ENDPOINT_URL" not in by_step[step]
    upload = by_step["upload"]
    assert set(upload) - set(by_step["check"]) == {*credentials, "AWS_ENDPOINT_URL"}
    assert {name: upload[name] for name in credentials} == dict.fromkeys(credentials, "testing")
    for environ in by_step.values():
        assert "DATABASE_PASSWORD" not in environ
        assert environ["DEBUG"] == "0"
    # The files went where the function's settings (AWS_LOCATION) point.
    listed = s3.list_objects_v2(Bucket="site-static")["Contents"]
    keys = sorted(obj["Key"] for obj in listed)
    hashed = json.loads((project / "staticfiles.json").read_text())["paths"]["site.css"]
    assert keys == sorted(["static/site.css", f"static/{hashed}"])
    assert "      Static files: uploaded 2 to s3://site-static/static/, 0 already there.\n" in out
