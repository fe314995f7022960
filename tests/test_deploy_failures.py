"""lambda_deploy when AWS fails: clear errors, retries, and traffic left where it was."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from django.core.management.base import CommandError
from django.test import override_settings
from moto import mock_aws

from django_lambda import aws, gate
from django_lambda.conf import HANDLER, lambda_settings
from tests.deploy_helpers import FakeBuild, deploy, write_site

ROLE = "arn:aws:iam::123456789012:role/site-lambda"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:site"
OLD_SHA = "b2xkLWNvZGUtc2hhLTI1Ni1pbi1iYXNlNjQtZm9ybQ=="
SETTING = {"FUNCTION_NAME": "site", "ROLE_ARN": ROLE, "REGION": "us-east-1"}
# The command gate's key, as the first deploy made it (and as gate.new_key makes it here).
KEY = "stubbed-function-key"


@pytest.fixture(autouse=True)
def known_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "new_key", lambda: KEY)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    # Every sleep of the process: the tests that assert on them skip the smoke
    # test, whose subprocesses sleep while they are waited for.
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


@pytest.fixture
def stubbed(
    monkeypatch: pytest.MonkeyPatch, fake_build: FakeBuild, sleeps: list[float]
) -> Iterator[Stubber]:
    client = boto3.client("lambda", region_name="us-east-1")
    # The route step looks for schedules an earlier deploy left: there are none.
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    clients = {"lambda": client, "scheduler": scheduler}
    monkeypatch.setattr(aws.clients, "client", lambda service_name, **where: clients[service_name])
    with Stubber(scheduler) as no_schedules:
        no_schedules.add_client_error("get_schedule_group", "ResourceNotFoundException")
        with override_settings(DJANGO_LAMBDA=SETTING), Stubber(client) as stubber:
            yield stubber


def configuration(
    *, sha: str = OLD_SHA, version: str = "$LATEST", memory: int = 512, **extra: Any
) -> dict[str, Any]:
    """A GetFunctionConfiguration answer for a function deployed with SETTING."""
    return {
        "FunctionName": "site",
        "FunctionArn": FUNCTION_ARN if version == "$LATEST" else f"{FUNCTION_ARN}:{version}",
        "Runtime": lambda_settings.runtime,
        "Role": ROLE,
        "Handler": HANDLER,
        "CodeSha256": sha,
        "MemorySize": memory,
        "Timeout": 30,
        "Environment": {
            "Variables": {"DJANGO_SETTINGS_MODULE": "tests.settings", gate.KEY_VARIABLE: KEY}
        },
        "Version": version,
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "Architectures": ["x86_64"],
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        **extra,
    }


def new_sha(fake_build: FakeBuild) -> str:
    return fake_build(output=None).sha256


def expect_upload(stubber: Stubber, fake_build: FakeBuild) -> None:
    sha = new_sha(fake_build)
    stubber.add_response("get_function_configuration", configuration(), {"FunctionName": "site"})
    stubber.add_response(
        "update_function_code",
        configuration(sha=sha, LastUpdateStatus="InProgress"),
        {"FunctionName": "site", "ZipFile": ANY, "Architectures": ["x86_64"]},
    )
    stubber.add_response("get_function_configuration", configuration(sha=sha))


def expect_publish(stubber: Stubber, fake_build: FakeBuild) -> None:
    sha = new_sha(fake_build)
    stubber.add_response("get_function_configuration", configuration(sha=sha))
    stubber.add_response(
        "list_versions_by_function",
        {"Versions": [configuration(sha=sha), configuration(version="1")]},
    )
    stubber.add_response(
        "publish_version",
        configuration(sha=sha, version="2", State="Pending"),
        {"FunctionName": "site", "CodeSha256": sha},
    )
    stubber.add_response("get_function_configuration", configuration(sha=sha, version="2"))


def expect_route_until_alias(stubber: Stubber, fake_build: FakeBuild) -> None:
    stubber.add_response(
        "get_function_configuration", configuration(sha=new_sha(fake_build), version="2")
    )
    stubber.add_response(
        "get_alias",
        {"AliasArn": f"{FUNCTION_ARN}:live", "Name": "live", "FunctionVersion": "1"},
    )


def test_upload_fails_alias_untouched(stubbed: Stubber, fake_build: FakeBuild) -> None:
    stubbed.add_response("get_function_configuration", configuration())
    stubbed.add_client_error(
        "update_function_code",
        service_error_code="CodeStorageExceededException",
        service_message="Code storage limit exceeded.",
        http_status_code=400,
    )

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    # No update_alias was queued: had the command called it, the Stubber's
    # error would have become the message instead.
    stubbed.assert_no_pending_responses()
    assert str(raised.value) == (
        "[5/7] upload failed: update_function_code on function 'site' failed "
        "(CodeStorageExceededException): An error occurred (CodeStorageExceededException) "
        "when calling the UpdateFunctionCode operation: Code storage limit exceeded.\n"
        "Hint: The account's code storage is full; delete old function versions."
    )


def test_update_configuration_fails_alias_untouched(
    stubbed: Stubber, fake_build: FakeBuild
) -> None:
    stubbed.add_response("get_function_configuration", configuration(memory=256))
    stubbed.add_client_error(
        "update_function_configuration",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform: lambda:UpdateFunctionConfiguration",
        http_status_code=403,
    )

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    stubbed.assert_no_pending_responses()
    message = str(raised.value)
    assert message.startswith(
        "[5/7] upload failed: update_function_configuration on function 'site' failed "
        "(AccessDeniedException)"
    )
    assert "Hint: The deploying identity may not call update_function_configuration." in message


def test_update_code_waiting_reports_failed_update(stubbed: Stubber, fake_build: FakeBuild) -> None:
    sha = new_sha(fake_build)
    stubbed.add_response("get_function_configuration", configuration())
    stubbed.add_response(
        "update_function_code", configuration(sha=sha, LastUpdateStatus="InProgress")
    )
    stubbed.add_response(
        "get_function_configuration",
        configuration(
            sha=sha,
            LastUpdateStatus="Failed",
            LastUpdateStatusReason="The security group sg-1 does not exist.",
            LastUpdateStatusReasonCode="InvalidSecurityGroup",
        ),
    )

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    assert str(raised.value) == (
        "[5/7] upload failed: function 'site' failed to become ready "
        "(InvalidSecurityGroup): The security group sg-1 does not exist."
    )


def test_publish_fails_alias_untouched(stubbed: Stubber, fake_build: FakeBuild) -> None:
    expect_upload(stubbed, fake_build)
    sha = new_sha(fake_build)
    stubbed.add_response("get_function_configuration", configuration(sha=sha))
    stubbed.add_response(
        "list_versions_by_function",
        {"Versions": [configuration(sha=sha), configuration(version="1")]},
    )
    stubbed.add_client_error(
        "publish_version",
        service_error_code="PreconditionFailedException",
        service_message="CodeSha256 does not match",
        http_status_code=412,
    )

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    stubbed.assert_no_pending_responses()
    assert str(raised.value).startswith(
        "[6/7] publish failed: publish_version on function 'site' failed "
        "(PreconditionFailedException)"
    )


def test_alias_update_fails_alias_untouched(stubbed: Stubber, fake_build: FakeBuild) -> None:
    expect_upload(stubbed, fake_build)
    expect_publish(stubbed, fake_build)
    expect_route_until_alias(stubbed, fake_build)
    stubbed.add_client_error(
        "update_alias",
        service_error_code="ResourceNotFoundException",
        service_message="Function not found",
        http_status_code=404,
        expected_params={"FunctionName": "site", "Name": "live", "FunctionVersion": "2"},
    )

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    stubbed.assert_no_pending_responses()
    assert str(raised.value) == (
        "[7/7] route failed: update_alias on alias 'live' of function 'site' failed "
        "(ResourceNotFoundException): An error occurred (ResourceNotFoundException) when "
        "calling the UpdateAlias operation: Function not found\n"
        "Hint: It does not exist in us-east-1. Check DJANGO_LAMBDA['REGION'] and the name."
    )


def test_conflict_is_retried_then_succeeds(
    stubbed: Stubber, fake_build: FakeBuild, sleeps: list[float]
) -> None:
    sha = new_sha(fake_build)
    stubbed.add_response("get_function_configuration", configuration())
    for _ in range(2):
        stubbed.add_client_error(
            "update_function_code",
            service_error_code="ResourceConflictException",
            service_message="An update is in progress for resource: " + FUNCTION_ARN,
            http_status_code=409,
        )
    stubbed.add_response("update_function_code", configuration(sha=sha))
    stubbed.add_response("get_function_configuration", configuration(sha=sha))
    expect_publish(stubbed, fake_build)
    expect_route_until_alias(stubbed, fake_build)
    stubbed.add_response(
        "update_alias",
        {"AliasArn": f"{FUNCTION_ARN}:live", "Name": "live", "FunctionVersion": "2"},
        {"FunctionName": "site", "Name": "live", "FunctionVersion": "2"},
    )
    stubbed.add_response(
        "get_function_url_config",
        {
            "FunctionUrl": "https://abc.lambda-url.us-east-1.on.aws/",
            "FunctionArn": f"{FUNCTION_ARN}:live",
            "AuthType": "NONE",
            "CreationTime": "2026-01-01T00:00:00Z",
            "LastModifiedTime": "2026-01-01T00:00:00Z",
        },
    )
    statements = [
        {"Sid": "django-lambda-function-url"},
        {"Sid": "django-lambda-function-url-invoke"},
    ]
    stubbed.add_response("get_policy", {"Policy": json.dumps({"Statement": statements})})
    stubbed.add_response("get_policy", {"Policy": json.dumps({"Statement": statements})})

    output = deploy("--skip-static", "--no-smoke-test")

    stubbed.assert_no_pending_responses()
    assert sleeps == [1.0, 2.0]
    assert "ResourceConflictException from update_function_code; retry 1 in 1s" in output
    assert "ResourceConflictException from update_function_code; retry 2 in 2s" in output
    assert "Moved alias 'live' from version 1 to 2." in output
    assert "URL: https://abc.lambda-url.us-east-1.on.aws/" in output


def test_throttling_is_retried_then_gives_up(
    stubbed: Stubber, fake_build: FakeBuild, sleeps: list[float]
) -> None:
    for _ in range(len(aws.clients.RETRY_DELAYS) + 1):
        stubbed.add_client_error(
            "get_function_configuration",
            service_error_code="TooManyRequestsException",
            service_message="Rate exceeded",
            http_status_code=429,
        )

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static", "--no-smoke-test")

    assert sleeps == list(aws.clients.RETRY_DELAYS)
    assert "(TooManyRequestsException)" in str(raised.value)
    assert "Hint: AWS kept refusing" in str(raised.value)


def test_throttling_is_retried_then_succeeds(
    stubbed: Stubber, fake_build: FakeBuild, sleeps: list[float]
) -> None:
    stubbed.add_client_error(
        "get_alias",
        service_error_code="TooManyRequestsException",
        service_message="Rate exceeded",
        http_status_code=429,
    )
    stubbed.add_response(
        "get_alias",
        {"AliasArn": f"{FUNCTION_ARN}:live", "Name": "live", "FunctionVersion": "2"},
    )
    stubbed.add_response(
        "list_versions_by_function",
        {"Versions": [configuration(), configuration(version="1"), configuration(version="2")]},
    )
    stubbed.add_response("get_function_configuration", configuration(version="1"))
    stubbed.add_response(
        "get_alias",
        {"AliasArn": f"{FUNCTION_ARN}:live", "Name": "live", "FunctionVersion": "2"},
    )
    stubbed.add_response(
        "update_alias",
        {"AliasArn": f"{FUNCTION_ARN}:live", "Name": "live", "FunctionVersion": "1"},
        {"FunctionName": "site", "Name": "live", "FunctionVersion": "1"},
    )
    stubbed.add_client_error(
        "get_function_url_config", service_error_code="ResourceNotFoundException"
    )

    output = deploy("--rollback")

    stubbed.assert_no_pending_responses()
    assert sleeps == [1.0]
    assert "moved from version 2 to 1" in output


def test_role_lambda_cannot_assume_gets_hint(
    stubbed: Stubber, fake_build: FakeBuild, sleeps: list[float]
) -> None:
    stubbed.add_client_error(
        "get_function_configuration",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
    )
    # A new role becomes assumable within seconds; this one never does.
    for _ in range(6):
        stubbed.add_client_error(
            "create_function",
            service_error_code="InvalidParameterValueException",
            service_message="The role defined for the function cannot be assumed by Lambda.",
            http_status_code=400,
        )

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static", "--no-smoke-test")

    message = str(raised.value)
    assert message.startswith(
        "[5/7] upload failed: create_function on function 'site' failed "
        "(InvalidParameterValueException)"
    )
    assert "Hint: Lambda cannot assume the execution role (DJANGO_LAMBDA['ROLE_ARN']" in message
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    stubbed.assert_no_pending_responses()


def test_no_credentials(monkeypatch: pytest.MonkeyPatch, fake_build: FakeBuild) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)

    with override_settings(DJANGO_LAMBDA=SETTING), pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    message = str(raised.value)
    assert message.startswith(
        "[5/7] upload failed: get_function_configuration on function 'site' failed "
        "(NoCredentialsError)"
    )
    assert "Hint: No AWS credentials were found." in message


def test_unreachable_endpoint(monkeypatch: pytest.MonkeyPatch, fake_build: FakeBuild) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    with (
        override_settings(DJANGO_LAMBDA={**SETTING, "ENDPOINT_URL": "http://127.0.0.1:9"}),
        pytest.raises(CommandError) as raised,
    ):
        deploy("--skip-static")

    message = str(raised.value)
    assert "(EndpointConnectionError)" in message
    assert "Hint: Cannot reach AWS in us-east-1." in message


@pytest.mark.slow
@pytest.mark.parametrize(
    ("operation", "step"),
    [
        ("update_function_configuration", "[5/7] upload"),
        ("update_function_code", "[5/7] upload"),
        ("publish_version", "[6/7] publish"),
        ("update_alias", "[7/7] route"),
    ],
)
def test_failure_leaves_traffic_on_old_version(
    operation: str,
    step: str,
    monkeypatch: pytest.MonkeyPatch,
    fake_build: FakeBuild,
    sleeps: list[float],
) -> None:
    """Against moto's real state: break one call of the second deploy, then look."""
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="site-lambda", AssumeRolePolicyDocument=json.dumps({}))
        setting = {**SETTING, "ROLE_ARN": role["Role"]["Arn"]}
        with override_settings(DJANGO_LAMBDA=setting):
            deploy("--skip-static")
        fake_build.body = "v2"
        real_call = aws.Aws.call

        def failing_call(self: aws.Aws, service: str, op: str, *args: Any, **kw: Any) -> Any:
            if op == operation:
                raise aws.DeployError(f"{op} broke (ServiceException)", code="ServiceException")
            return real_call(self, service, op, *args, **kw)

        monkeypatch.setattr(aws.Aws, "call", failing_call)
        with (
            override_settings(DJANGO_LAMBDA={**setting, "MEMORY_SIZE": 1024}),
            pytest.raises(CommandError, match=rf"^{re.escape(step)} failed: {operation}"),
        ):
            deploy("--skip-static")

        alias = boto3.client("lambda", region_name="us-east-1").get_alias(
            FunctionName="site", Name="live"
        )
        assert alias["FunctionVersion"] == "1"


def test_create_sends_every_setting(stubbed: Stubber, fake_build: FakeBuild) -> None:
    layer = "arn:aws:lambda:us-east-1:123456789012:layer:deps:4"
    setting = {
        **SETTING,
        "RUNTIME": "python3.12",
        "ARCHITECTURE": "arm64",
        "MEMORY_SIZE": 2048,
        "TIMEOUT": 60,
        "ENVIRONMENT": {"DJANGO_SETTINGS_MODULE": "tests.static_site.settings", "MODE": "prod"},
        "SNAPSTART": True,
        "VPC": {"subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"]},
        "LAYERS": [layer],
        "TAGS": {"project": "site"},
        "HTTP": None,
    }
    stubbed.add_client_error(
        "get_function_configuration", service_error_code="ResourceNotFoundException"
    )
    stubbed.add_response(
        "create_function",
        configuration(State="Pending"),
        {
            "FunctionName": "site",
            "Role": ROLE,
            "Handler": "django_lambda.handler.lambda_handler",
            "Runtime": "python3.12",
            "MemorySize": 2048,
            "Timeout": 60,
            "Environment": {
                "Variables": {
                    "DJANGO_SETTINGS_MODULE": "tests.static_site.settings",
                    "MODE": "prod",
                    gate.KEY_VARIABLE: KEY,
                }
            },
            "Layers": [layer],
            "VpcConfig": {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
            "SnapStart": {"ApplyOn": "PublishedVersions"},
            "Code": {"ZipFile": fake_build(output=None).zip_path.read_bytes()},
            "Architectures": ["arm64"],
            "PackageType": "Zip",
            "Publish": False,
            "Tags": {"project": "site"},
        },
    )
    # Pending until Lambda has set the function up (ENIs for the VPC, ...).
    stubbed.add_response("get_function_configuration", configuration(State="Pending"))
    stubbed.add_response("get_function_configuration", configuration())

    # The publish step then finds no queued answer; the upload is what is checked.
    with (
        override_settings(DJANGO_LAMBDA=setting),
        pytest.raises(CommandError, match=r"^\[6/7\] publish failed"),
    ):
        deploy("--skip-static")

    stubbed.assert_no_pending_responses()


def test_conflict_already_exists_is_not_retried(
    stubbed: Stubber, fake_build: FakeBuild, sleeps: list[float]
) -> None:
    stubbed.add_client_error(
        "get_function_configuration",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
    )
    stubbed.add_client_error(
        "create_function",
        service_error_code="ResourceConflictException",
        service_message="Function already exist: site",
        http_status_code=409,
    )

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static", "--no-smoke-test")

    assert sleeps == []
    assert "(ResourceConflictException)" in str(raised.value)
    assert "Hint: Something else (another deploy?) created it meanwhile" in str(raised.value)


@pytest.mark.slow
def test_no_credentials_stops_the_static_upload(
    monkeypatch: pytest.MonkeyPatch, fake_build: FakeBuild, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "site.css").write_text("body {}")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = write_site(
        tmp_path,
        """
        STATICFILES_DIRS = [BASE_DIR / "assets"]
        STORAGES = {
            "staticfiles": {
                "BACKEND": "django_lambda.storage.StaticStorage",
                "OPTIONS": {"bucket_name": "site-static", "region_name": "us-east-1"},
            },
        }
        """,
    )
    setting = {
        **SETTING,
        "PROJECT_DIR": str(tmp_path),
        "ENVIRONMENT": {"DJANGO_SETTINGS_MODULE": module},
    }

    with override_settings(DJANGO_LAMBDA=setting), pytest.raises(CommandError) as raised:
        deploy("--no-smoke-test")

    message = str(raised.value)
    # Collecting and building needed no credentials; the upload does, from its first
    # call: whether the bucket exists, to create it if not.
    assert message.startswith(
        "[5/7] upload failed: head_bucket on bucket 'site-static' failed (NoCredentialsError)"
    ), message
    assert "Hint: No AWS credentials were found." in message
    assert fake_build.calls == [{"output": None}]
    assert (tmp_path / "staticfiles.json").is_file()
