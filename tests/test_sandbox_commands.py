"""--sandbox and --sandbox-stop on the commands.

The whole demo flow (deploy, invoke, serve, in separate processes) runs in
tests/test_demo_e2e.py; here, what each option does and its errors.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_lambda import aws, package, sandbox
from django_lambda.conf import deploy_config
from tests import deploy_helpers
from tests.deploy_helpers import FakeBuild

pytestmark = pytest.mark.slow

SANDBOX_COMMANDS = [
    "lambda_deploy",
    "lambda_invoke",
    "lambda_serve",
    "lambda_logs",
    "lambda_status",
    "lambda_undeploy",
]


@pytest.fixture(autouse=True)
def project(tmp_path: Path) -> Iterator[Path]:
    # --sandbox points os.environ at the sandbox; each test gets it back as it was.
    with (
        mock.patch.dict(os.environ),
        override_settings(DJANGO_LAMBDA={"PROJECT_DIR": str(tmp_path), "FUNCTION_NAME": "site"}),
    ):
        yield tmp_path
    sandbox.stop(tmp_path)


@pytest.mark.parametrize("command", SANDBOX_COMMANDS)
def test_sandbox_stop_when_none_runs(project: Path, command: str) -> None:
    out = io.StringIO()
    call_command(command, sandbox_stop=True, stdout=out)
    assert out.getvalue() == f"No sandbox is running for {project}.\n"


@pytest.mark.parametrize("command", SANDBOX_COMMANDS)
def test_sandbox_stop_ends_a_running_sandbox(project: Path, command: str) -> None:
    info = sandbox.activate(project)
    out = io.StringIO()

    call_command(command, sandbox_stop=True, stdout=out)

    assert out.getvalue() == "Sandbox stopped.\n"
    assert sandbox.running(project) is None
    with pytest.raises(ProcessLookupError):
        os.kill(info.pid, 0)


def test_deploy_to_the_sandbox(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_build = FakeBuild(project)
    monkeypatch.setattr(package, "build_package", fake_build)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    out, err = io.StringIO(), io.StringIO()

    call_command("lambda_deploy", "--sandbox", "--skip-static", stdout=out, stderr=err)

    info = sandbox.running(project)
    assert info is not None
    assert err.getvalue().startswith(
        f"Sandbox: started moto's server at {info.endpoint_url} (pid {info.pid}); "
        "end it with --sandbox-stop.\n"
    )
    # This process's clients now reach the sandbox, where the function is.
    assert os.environ["AWS_ENDPOINT_URL"] == info.endpoint_url
    configuration = aws.client("lambda").get_function_configuration(
        FunctionName="site", Qualifier="live"
    )
    code = (project / "package.zip").read_bytes()
    assert configuration["Role"] == f"arn:aws:iam::123456789012:role/{sandbox.ROLE_NAME}"
    assert configuration["Environment"]["Variables"]["AWS_ENDPOINT_URL"] == info.endpoint_url
    assert configuration["CodeSha256"] == package.code_sha256(code)
    key = aws.package_key("site", configuration["CodeSha256"])
    kept = aws.client("s3").get_object(Bucket=sandbox.CODE_BUCKET, Key=key)["Body"].read()
    assert kept == code
    assert out.getvalue().endswith(
        "Deployed 'site' (created the function; published version 1): 'live' on version 1.\n"
        f"URL: {configuration_url(project)}\n"
        f"The sandbox keeps the deployed package at s3://{sandbox.CODE_BUCKET}/{key}.\n"
    )

    # A second deploy reuses the sandbox and finds what the first one made.
    err = io.StringIO()
    call_command("lambda_deploy", "--sandbox", "--skip-static", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith(f"Sandbox: reusing moto's server at {info.endpoint_url}")
    assert sandbox.running(project) == info


# A handler that logs, as a view would, under the runtime client's logging.
LOGGING_HANDLER = '''"""Stand-in for django_lambda.handler that logs a line per request."""
import logging


def lambda_handler(event, context):
    if event.get("warmup"):
        return {{"warm": True}}
    logging.getLogger("stars.views").warning("listed %d stars", 3)
    return {{"statusCode": 200, "body": {body!r}}}
'''


def test_logs_in_the_sandbox_show_what_a_sandbox_invocation_logged(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy_helpers, "HANDLER_SOURCE", LOGGING_HANDLER)
    monkeypatch.setattr(package, "build_package", FakeBuild(project))
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("lambda_deploy", "--sandbox", "--skip-static", "--no-smoke-test", **quiet)
    empty = io.StringIO()
    call_command("lambda_logs", "--sandbox", stdout=empty, stderr=empty)
    assert "\nNo log events in /aws/lambda/site since " in empty.getvalue()

    invoked = io.StringIO()
    call_command("lambda_invoke", "GET", "/", "--sandbox", stdout=invoked, stderr=io.StringIO())
    out = io.StringIO()
    call_command("lambda_logs", "--sandbox", "--since", "1h", stdout=out, stderr=io.StringIO())

    lines = out.getvalue().splitlines()
    logged = [line for line in lines if "listed 3 stars" in line]
    assert len(logged) == 1
    start = next(line for line in lines if " START RequestId: " in line)
    request_id = start.split()[2]
    assert logged[0].split()[2] == request_id
    assert "[WARNING]" in logged[0]
    assert any(f" REPORT RequestId: {request_id}" in line for line in lines)

    filtered = io.StringIO()
    call_command("lambda_logs", "--sandbox", "--filter", "stars", stdout=filtered)
    assert [line.split(" ", 3)[3] for line in filtered.getvalue().splitlines()] == [
        logged[0].split(" ", 3)[3]
    ]

    status = io.StringIO()
    call_command("lambda_status", "--sandbox", "--json", stdout=status, stderr=io.StringIO())
    assert json.loads(status.getvalue())["alias"] == {"name": "live", "version": "1"}
    assert json.loads(status.getvalue())["url"] == configuration_url(project)

    call_command("lambda_undeploy", "--sandbox", "--noinput", **quiet)
    lam = aws.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="site")


def test_a_real_role_in_the_settings_gives_way_to_the_sandbox_role(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(package, "build_package", FakeBuild(project))
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    real_role = "arn:aws:iam::210987654321:role/my-site-lambda"
    setting = {"PROJECT_DIR": str(project), "FUNCTION_NAME": "site", "ROLE_ARN": real_role}
    err = io.StringIO()

    with override_settings(DJANGO_LAMBDA=setting):
        call_command(
            "lambda_deploy", "--sandbox", "--skip-static", stdout=io.StringIO(), stderr=err
        )

    role = f"arn:aws:iam::123456789012:role/{sandbox.ROLE_NAME}"
    configuration = aws.client("lambda").get_function_configuration(FunctionName="site")
    assert configuration["Role"] == role
    assert (
        f"Sandbox: the function runs as the sandbox's own role {role}, not as "
        f"DJANGO_LAMBDA['ROLE_ARN'] ({real_role}), a role of an AWS account the sandbox "
        "does not have.\n"
    ) in err.getvalue()


def configuration_url(project: Path) -> str:
    url_config = aws.client("lambda").get_function_url_config(FunctionName="site", Qualifier="live")
    return str(url_config["FunctionUrl"]).rstrip("/")


def test_a_dry_run_in_the_sandbox_keeps_no_package(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(package, "build_package", FakeBuild(project))
    out = io.StringIO()

    call_command(
        "lambda_deploy", "--sandbox", "--dry-run", "--skip-static", stdout=out, stderr=io.StringIO()
    )

    assert "Pretending to create function 'site'." in out.getvalue()
    assert "The sandbox keeps" not in out.getvalue()
    listed = aws.client("s3").list_objects_v2(Bucket=sandbox.CODE_BUCKET)
    assert listed["KeyCount"] == 0


def test_invoke_in_the_sandbox_runs_the_deployed_code_not_a_local_one() -> None:
    with pytest.raises(CommandError) as error:
        call_command("lambda_invoke", "GET", "/", sandbox=True, run_local=True)
    assert str(error.value) == (
        "--sandbox runs the code deployed to the sandbox: drop --local/--package."
    )


def test_serve_in_the_sandbox_serves_the_deployed_code_not_a_package(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as error:
        call_command("lambda_serve", sandbox=True, package=tmp_path / "package.zip")
    assert str(error.value) == (
        "--sandbox serves the code deployed to the sandbox: drop --package."
    )


def test_serve_alias_needs_the_sandbox() -> None:
    with pytest.raises(CommandError) as error:
        call_command("lambda_serve", alias="blue")
    assert str(error.value) == "--alias picks what the sandbox serves: add --sandbox."


@pytest.mark.parametrize(
    ("command", "args"),
    [("lambda_invoke", ("GET", "/")), ("lambda_serve", ())],
)
def test_nothing_deployed_says_to_deploy_first(
    project: Path, command: str, args: tuple[str, ...]
) -> None:
    err = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command(command, *args, sandbox=True, stderr=err)

    assert str(error.value) == (
        "The sandbox has no function site:live: deploy it first with "
        "`manage.py lambda_deploy --sandbox`."
    )
    info = sandbox.running(project)
    assert info is not None
    assert err.getvalue().startswith(
        f"Sandbox: started moto's server at {info.endpoint_url} (pid {info.pid}); "
        "end it with --sandbox-stop.\n"
    )


def test_the_deployed_configuration_decides_how_the_code_runs(tmp_path: Path) -> None:
    deployed = sandbox.DeployedPackage(
        tmp_path / "package.zip",
        {
            "FunctionName": "site",
            "Runtime": "python3.12",
            "Architectures": ["arm64"],
            "MemorySize": 1024,
            "Timeout": 9,
            "Environment": {"Variables": {"FROM_DEPLOY": "1"}},
        },
    )
    with override_settings(
        DJANGO_LAMBDA={"FUNCTION_NAME": "site", "ENVIRONMENT": {"FROM_SETTINGS": "2"}}
    ):
        options = sandbox.local_function_options(deploy_config(), deployed)

    log_sink = options.pop("log_sink")
    assert isinstance(log_sink, aws.LogWriter)
    assert log_sink.group == "/aws/lambda/site"
    assert {key: options[key] for key in options if key != "runtime_distributions"} == {
        "function_name": "site",
        "environment": {"FROM_DEPLOY": "1", "DJANGO_SETTINGS_MODULE": "tests.settings"},
        "region": "us-east-1",
        "runtime": "python3.12",
        "architecture": "arm64",
        "memory_size": 1024,
        "timeout": 9,
    }
