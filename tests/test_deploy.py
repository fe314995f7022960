"""The whole lambda_deploy pipeline against moto's in-process AWS."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import django
import pytest
from botocore.stub import Stubber
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_lambda import aws, gate, package
from django_lambda.configuration import DeployConfig
from tests.deploy_helpers import FakeBuild, deploy, write_site


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


@pytest.fixture
def site(role_arn: str, fake_build: FakeBuild) -> Iterator[dict[str, Any]]:
    setting = {"FUNCTION_NAME": "site", "ROLE_ARN": role_arn, "REGION": "us-east-1"}
    with override_settings(DJANGO_LAMBDA=setting):
        yield setting


def lambda_client() -> Any:
    return boto3.client("lambda", region_name="us-east-1")


def alias_version() -> str:
    return str(lambda_client().get_alias(FunctionName="site", Name="live")["FunctionVersion"])


def published() -> list[str]:
    versions = lambda_client().list_versions_by_function(FunctionName="site")["Versions"]
    return [v["Version"] for v in versions if v["Version"] != "$LATEST"]


def test_first_deploy_creates_function_version_alias_and_url(site: dict[str, Any]) -> None:
    output = deploy("--skip-static")

    client = lambda_client()
    config = client.get_function_configuration(FunctionName="site")
    assert config["Handler"] == "django_lambda.handler.lambda_handler"
    assert config["Role"] == site["ROLE_ARN"]
    assert config["MemorySize"] == 512
    assert config["Timeout"] == 30
    variables = config["Environment"]["Variables"]
    key = variables.pop(gate.KEY_VARIABLE)
    assert variables == {"DJANGO_SETTINGS_MODULE": "tests.settings"}
    # A random key for the command gate, in the function's configuration only.
    assert len(key) >= 43
    assert key not in output
    assert published() == ["1"]
    assert alias_version() == "1"
    url = client.get_function_url_config(FunctionName="site", Qualifier="live")
    assert url["AuthType"] == "NONE"
    policy = json.loads(client.get_policy(FunctionName="site", Qualifier="live")["Policy"])
    assert sorted(s["Action"] for s in policy["Statement"]) == [
        "lambda:InvokeFunction",
        "lambda:InvokeFunctionUrl",
    ]
    for number, name in enumerate(
        ["check", "collectstatic", "build", "smoke test", "upload", "publish", "route"], start=1
    ):
        assert f"[{number}/7] {name} ... " in output
    assert "Creating function 'site'." in output
    assert "Created alias 'live' on version 1." in output
    assert (
        "Deployed 'site' (created the function; published version 1): 'live' on version 1."
        in output
    )
    assert f"URL: {url['FunctionUrl']}" in output


@pytest.mark.slow
def test_second_deploy_of_same_zip_uploads_nothing(site: dict[str, Any]) -> None:
    deploy("--skip-static")
    sha = lambda_client().get_function_configuration(FunctionName="site")["CodeSha256"]

    output = deploy("--skip-static")

    assert f"Code unchanged (CodeSha256 {sha}); skipping the upload." in output
    assert "Uploading" not in output
    assert "Updating configuration" not in output
    assert "Deployed 'site' (nothing changed): 'live' on version 1." in output
    assert published() == ["1"]
    assert alias_version() == "1"
    # The URL is printed every time, created once.
    url = lambda_client().get_function_url_config(FunctionName="site", Qualifier="live")
    assert f"URL: {url['FunctionUrl']}" in output
    assert "Created the Function URL." not in output


@pytest.mark.slow
def test_missing_url_permission_is_restored(site: dict[str, Any]) -> None:
    # As after a deploy that created the URL and then failed to grant access.
    deploy("--skip-static")
    client = lambda_client()
    client.remove_permission(
        FunctionName="site", Qualifier="live", StatementId="django-lambda-function-url-invoke"
    )

    deploy("--skip-static")

    policy = json.loads(client.get_policy(FunctionName="site", Qualifier="live")["Policy"])
    assert sorted(s["Sid"] for s in policy["Statement"]) == [
        "django-lambda-function-url",
        "django-lambda-function-url-invoke",
    ]


@pytest.mark.slow
def test_changed_zip_publishes_version_2_and_moves_alias(
    site: dict[str, Any], fake_build: FakeBuild
) -> None:
    deploy("--skip-static")
    fake_build.body = "v2"

    output = deploy("--skip-static")

    assert published() == ["1", "2"]
    assert alias_version() == "2"
    assert "Moved alias 'live' from version 1 to 2." in output
    assert (
        "Deployed 'site' (uploaded the code; published version 2): "
        "'live' moved from version 1 to 2." in output
    )
    code = lambda_client().get_function_configuration(FunctionName="site", Qualifier="2")
    assert code["CodeSha256"] == fake_build(output=None).sha256


@pytest.mark.slow
def test_changed_setting_updates_configuration_and_publishes(
    site: dict[str, Any],
) -> None:
    deploy("--skip-static")

    with override_settings(
        DJANGO_LAMBDA={**site, "MEMORY_SIZE": 1024, "ENVIRONMENT": {"FEATURE": "on"}}
    ):
        output = deploy("--skip-static")

    assert "Updating configuration: MemorySize, Environment." in output
    assert "Deployed 'site' (updated MemorySize, Environment; published version 2)" in output
    assert "Code unchanged" in output
    version_2 = lambda_client().get_function_configuration(FunctionName="site", Qualifier="2")
    assert version_2["MemorySize"] == 1024
    # The command gate's key is kept: an ENVIRONMENT that changes cannot drop it.
    assert version_2["Environment"]["Variables"] == {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "FEATURE": "on",
        gate.KEY_VARIABLE: deployed_key(),
    }
    assert deployed_key("1") == deployed_key()
    assert alias_version() == "2"


def deployed_key(qualifier: str = "$LATEST") -> str:
    config = lambda_client().get_function_configuration(FunctionName="site", Qualifier=qualifier)
    return str(config["Environment"]["Variables"][gate.KEY_VARIABLE])


@pytest.mark.slow
def test_later_deploys_keep_the_key_and_a_removed_one_is_made_again(
    site: dict[str, Any], fake_build: FakeBuild
) -> None:
    deploy("--skip-static")
    first = deployed_key()
    fake_build.body = "v2"
    output = deploy("--skip-static")
    assert "Updating configuration" not in output
    assert deployed_key() == first

    # Removing the variable is how to change the key: the next deploy makes a new one.
    lambda_client().update_function_configuration(
        FunctionName="site", Environment={"Variables": {"DJANGO_SETTINGS_MODULE": "tests.settings"}}
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("lambda_deploy", "--skip-static", verbosity=3, stdout=out, stderr=err)
    output = out.getvalue() + err.getvalue()
    assert "Updating configuration: Environment." in output
    second = deployed_key()
    assert second != first
    assert first not in output and second not in output


@pytest.mark.slow
def test_rollback_moves_alias_to_previous_then_to_given(
    site: dict[str, Any], fake_build: FakeBuild
) -> None:
    deploy("--skip-static")
    fake_build.body = "v2"
    deploy("--skip-static")
    fake_build.body = "v3"
    deploy("--skip-static")
    builds_before = len(fake_build.calls)

    output = deploy("--rollback")

    assert alias_version() == "2"
    assert "Rolled back 'site': 'live' moved from version 3 to 2." in output
    forward = deploy("--rollback", "3")
    assert "Rolled forward 'site': 'live' moved forward from version 2 to 3, a later " in forward
    assert "Rolled back" not in forward
    assert alias_version() == "3"
    assert "'live' of 'site' was already on version 3: nothing moved." in deploy("--rollback", "3")
    assert published() == ["1", "2", "3"]
    assert len(fake_build.calls) == builds_before


def test_rollback_without_previous_version_is_an_error(site: dict[str, Any]) -> None:
    deploy("--skip-static")

    with pytest.raises(CommandError, match="no earlier version to roll back to"):
        deploy("--rollback")
    assert alias_version() == "1"


def test_rollback_to_unknown_version_is_an_error(site: dict[str, Any]) -> None:
    deploy("--skip-static")

    with pytest.raises(CommandError, match=r"has no version '7'; published versions: 1\."):
        deploy("--rollback", "7")


def test_rollback_before_any_deploy_is_an_error(site: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match=r"\[1/1\] rollback failed: There is no alias"):
        deploy("--rollback")


def test_dry_run_changes_nothing(site: dict[str, Any], fake_build: FakeBuild) -> None:
    output = deploy("--dry-run")

    with pytest.raises(lambda_client().exceptions.ResourceNotFoundException):
        lambda_client().get_function(FunctionName="site")
    assert fake_build.calls == []
    assert "Pretending to run collectstatic with the function's environment." in output
    assert "Pretending to start the package here and send it a warm-up event." in output
    assert "Pretending to build the package" in output
    assert "Pretending to create function 'site'." in output
    assert "Pretending to publish" in output


@pytest.mark.slow
def test_dry_run_after_deploy_changes_nothing(site: dict[str, Any], fake_build: FakeBuild) -> None:
    deploy("--skip-static")
    fake_build.body = "v2"
    before = lambda_client().get_function_configuration(FunctionName="site")

    output = deploy("--dry-run", "--skip-static")

    after = lambda_client().get_function_configuration(FunctionName="site")
    before.pop("ResponseMetadata")
    after.pop("ResponseMetadata")
    assert after == before
    assert published() == ["1"]
    assert alias_version() == "1"
    assert len(fake_build.calls) == 1
    assert "Pretending to move alias 'live' (now on version 1) to it." in output


@pytest.mark.slow
def test_dry_run_rollback_changes_nothing(site: dict[str, Any], fake_build: FakeBuild) -> None:
    deploy("--skip-static")
    fake_build.body = "v2"
    deploy("--skip-static")

    output = deploy("--rollback", "--dry-run")

    assert alias_version() == "2"
    assert "Pretending to move alias 'live' from version 2 to the previous version." in output


def test_build_only_stops_after_the_zip(
    site: dict[str, Any], fake_build: FakeBuild, tmp_path: Path
) -> None:
    target = tmp_path / "out.zip"

    output = deploy("--skip-static", "--build-only", str(target))

    assert fake_build.calls == [{"output": target}]
    assert zipfile.ZipFile(target).namelist() == [
        "django/__init__.py",
        "django_lambda/__init__.py",
        "django_lambda/handler.py",
    ]
    assert "[4/4] smoke test ... " in output
    assert "upload" not in output
    with pytest.raises(lambda_client().exceptions.ResourceNotFoundException):
        lambda_client().get_function(FunctionName="site")


def test_build_only_without_path_uses_build_default(
    site: dict[str, Any], fake_build: FakeBuild
) -> None:
    deploy("--skip-static", "--build-only")

    assert fake_build.calls == [{"output": None}]


def on_disk(
    site: dict[str, Any], project: Path, monkeypatch: pytest.MonkeyPatch, settings: str
) -> override_settings:
    """The deploy settings for a site whose settings module is on disk under ``project``."""
    monkeypatch.syspath_prepend(str(project))
    module = write_site(project, settings)
    environment = {"DJANGO_SETTINGS_MODULE": module}
    return override_settings(
        DJANGO_LAMBDA={**site, "PROJECT_DIR": str(project), "ENVIRONMENT": environment}
    )


@pytest.mark.slow
def test_collectstatic_runs_before_build(
    site: dict[str, Any], tmp_path: Path, fake_build: FakeBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "site.css").write_text("body {}")
    settings = """
        STATIC_ROOT = BASE_DIR / "collected"
        STATICFILES_DIRS = [BASE_DIR / "assets"]
    """
    with on_disk(site, tmp_path, monkeypatch, settings):
        output = deploy("--no-smoke-test")

    assert (tmp_path / "collected" / "site.css").read_text() == "body {}"
    assert "      With the function's environment, as the checks.\n" in output
    assert output.index("[2/7] collectstatic ... ") < output.index("[3/7] build ...")


def test_collectstatic_failure_names_step_and_fix(
    site: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "site.css").write_text("body {}")
    with (
        on_disk(site, tmp_path, monkeypatch, 'STATICFILES_DIRS = [BASE_DIR / "assets"]\n'),
        pytest.raises(CommandError, match=r"(?s)\[2/7\] collectstatic failed: .*--skip-static"),
    ):
        deploy()


def test_missing_function_name_stops_at_check(fake_build: FakeBuild) -> None:
    with (
        override_settings(DJANGO_LAMBDA={}),
        pytest.raises(CommandError, match=r"django_lambda\.E120: .*FUNCTION_NAME"),
    ):
        deploy("--skip-static")
    assert fake_build.calls == []


def test_invalid_setting_stops_at_check(site: dict[str, Any], fake_build: FakeBuild) -> None:
    with (
        override_settings(DJANGO_LAMBDA={**site, "MEMORY_SIZE": 64}),
        pytest.raises(CommandError, match=r"django_lambda\.E124"),
    ):
        deploy("--skip-static")
    assert fake_build.calls == []


@pytest.mark.slow
def test_update_without_role_keeps_deployed_role(site: dict[str, Any]) -> None:
    deploy("--skip-static")

    with override_settings(DJANGO_LAMBDA={"FUNCTION_NAME": "site", "REGION": "us-east-1"}):
        output = deploy("--skip-static")

    assert "Updating configuration" not in output
    config = lambda_client().get_function_configuration(FunctionName="site")
    assert config["Role"] == site["ROLE_ARN"]


@pytest.mark.slow
def test_http_api_created_once_with_invoke_permission(site: dict[str, Any]) -> None:
    with override_settings(DJANGO_LAMBDA={**site, "HTTP": "http_api"}):
        first = deploy("--skip-static")
        second = deploy("--skip-static")

    gateway = boto3.client("apigatewayv2", region_name="us-east-1")
    [api] = gateway.get_apis()["Items"]
    assert api["Name"] == "site"
    assert api["ProtocolType"] == "HTTP"
    assert f"URL: {api['ApiEndpoint']}" in first
    assert f"URL: {api['ApiEndpoint']}" in second
    assert "Created HTTP API 'site'." in first
    assert "Created HTTP API" not in second
    [integration] = gateway.get_integrations(ApiId=api["ApiId"])["Items"]
    assert integration["IntegrationUri"].endswith(":function:site:live")
    policy = json.loads(lambda_client().get_policy(FunctionName="site", Qualifier="live")["Policy"])
    [statement] = policy["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert ":execute-api:us-east-1:123456789012:" + api["ApiId"] in json.dumps(statement)


def test_no_http_creates_no_url(site: dict[str, Any]) -> None:
    with override_settings(DJANGO_LAMBDA={**site, "HTTP": None}):
        output = deploy("--skip-static")

    assert "URL:" not in output
    with pytest.raises(lambda_client().exceptions.ResourceNotFoundException):
        lambda_client().get_function_url_config(FunctionName="site", Qualifier="live")


def test_tags_and_architecture_on_create(site: dict[str, Any]) -> None:
    with override_settings(
        DJANGO_LAMBDA={**site, "TAGS": {"project": "site"}, "ARCHITECTURE": "arm64"}
    ):
        deploy("--skip-static")

    client = lambda_client()
    config = client.get_function_configuration(FunctionName="site")
    assert config["Architectures"] == ["arm64"]
    assert client.list_tags(Resource=config["FunctionArn"])["Tags"] == {"project": "site"}


@pytest.mark.slow
def test_large_package_goes_through_s3_with_progress(
    site: dict[str, Any], fake_build: FakeBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws.code, "DIRECT_UPLOAD_LIMIT", 10)
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="site-deploys")

    with override_settings(DJANGO_LAMBDA={**site, "S3_BUCKET": "site-deploys"}):
        output = deploy("--skip-static")

    result = fake_build(output=None)
    key = f"django-lambda/site/{package.sha256_hex(result.sha256)}.zip"
    assert s3.get_object(Bucket="site-deploys", Key=key)["Body"].read() == (
        result.zip_path.read_bytes()
    )
    assert f"Uploading 0.0 MB to s3://site-deploys/{key}." in output
    # Not a terminal: plain lines, no bar redrawn with carriage returns.
    assert "\r" not in output
    assert "      Uploaded 0.0 MB of 0.0 MB (100%).\n" in output
    config = lambda_client().get_function_configuration(FunctionName="site")
    assert config["CodeSha256"] == result.sha256
    assert alias_version() == "1"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_upload_progress_is_a_bar_on_a_terminal_only(terminal: bool) -> None:
    from django_lambda.management.commands.lambda_deploy import Command

    out = Terminal() if terminal else io.StringIO()
    command = Command(stdout=out)
    command.verbosity = 1
    total = 8 * 1024 * 1024
    for sent in range(0, total + 1, total // 16):
        command.progress(sent, total)

    lines = out.getvalue()
    if terminal:
        assert lines.count("\r") == 17
        assert lines.endswith("\r      [" + "#" * 30 + "] 100%\n")
    else:
        assert lines.splitlines() == [
            f"      Uploaded {size} of 8.0 MB ({percent}%)."
            for size, percent in (("2.0 MB", 25), ("4.0 MB", 50), ("6.0 MB", 75), ("8.0 MB", 100))
        ]


def test_large_package_without_bucket_names_fix_and_largest(
    site: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws.code, "DIRECT_UPLOAD_LIMIT", 10)

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    message = str(raised.value)
    assert message.startswith("[5/7] upload failed: The package is")
    assert "set DJANGO_LAMBDA['S3_BUCKET']" in message
    assert "django 8.6 MB" in message
    with pytest.raises(lambda_client().exceptions.ResourceNotFoundException):
        lambda_client().get_function(FunctionName="site")


def test_build_error_names_step(site: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_build(config: DeployConfig, **kwargs: Any) -> package.BuildResult:
        raise package.BuildError("No wheel for 'psycopg2' on manylinux2014_x86_64.")

    monkeypatch.setattr(package, "build_package", failing_build, raising=False)

    with pytest.raises(CommandError, match=r"\[3/7\] build failed: No wheel for 'psycopg2'"):
        deploy("--skip-static")


def test_a_package_without_django_is_a_build_error_and_never_uploaded(
    site: dict[str, Any], fake_build: FakeBuild
) -> None:
    fake_build.django = False

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    assert str(raised.value).startswith(
        "[3/7] build failed: Django is not in the package, so the function would fail every "
        "request with \"No module named 'django'\"."
    )
    # The zip is gone: nothing can run or ship it.
    assert not (fake_build.directory / "package.zip").exists()
    with pytest.raises(lambda_client().exceptions.ResourceNotFoundException):
        lambda_client().get_function(FunctionName="site")


def test_rollback_and_build_only_conflict(site: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="cannot be combined"):
        deploy("--rollback", "--build-only")


@pytest.mark.slow
def test_s3_upload_failure_names_bucket_and_code(
    site: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws.code, "DIRECT_UPLOAD_LIMIT", 10)

    with (
        override_settings(DJANGO_LAMBDA={**site, "S3_BUCKET": "no-such-bucket"}),
        pytest.raises(CommandError) as raised,
    ):
        deploy("--skip-static")

    message = str(raised.value)
    assert message.startswith(
        "[5/7] upload failed: head_object on s3://no-such-bucket/django-lambda/site/"
    )
    assert "failed (NoSuchBucket)" in message
    assert "Hint: It does not exist in us-east-1." in message
    with pytest.raises(lambda_client().exceptions.ResourceNotFoundException):
        lambda_client().get_function(FunctionName="site")


def test_dry_run_rollback_without_alias_is_an_error(site: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match=r"There is no alias 'live' to roll back\."):
        deploy("--rollback", "--dry-run")


def test_s3_put_failure_names_object_and_code(
    site: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aws.code, "DIRECT_UPLOAD_LIMIT", 10)
    s3 = boto3.client("s3", region_name="us-east-1")
    real_client = aws.client
    monkeypatch.setattr(
        aws.clients,
        "client",
        lambda name, **where: s3 if name == "s3" else real_client(name, **where),
    )

    with (
        override_settings(DJANGO_LAMBDA={**site, "S3_BUCKET": "site-deploys"}),
        Stubber(s3) as stubber,
        pytest.raises(CommandError) as raised,
    ):
        stubber.add_client_error("head_object", service_error_code="404", http_status_code=404)
        stubber.add_client_error(
            "put_object", service_error_code="AccessDenied", http_status_code=403
        )
        deploy("--skip-static")

    message = str(raised.value)
    assert message.startswith(
        "[5/7] upload failed: upload_file on s3://site-deploys/django-lambda/site/"
    )
    assert "failed (AccessDenied)" in message
    assert "Hint: The deploying identity may not call upload_file." in message


@pytest.mark.slow
def test_s3_object_already_uploaded_is_reused(
    site: dict[str, Any], fake_build: FakeBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As after a deploy that uploaded to S3 and then failed.
    monkeypatch.setattr(aws.code, "DIRECT_UPLOAD_LIMIT", 10)
    result = fake_build(output=None)
    key = f"django-lambda/site/{package.sha256_hex(result.sha256)}.zip"
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="site-deploys")
    s3.put_object(Bucket="site-deploys", Key=key, Body=result.zip_path.read_bytes())

    with override_settings(DJANGO_LAMBDA={**site, "S3_BUCKET": "site-deploys"}):
        output = deploy("--skip-static")

    assert f"s3://site-deploys/{key} is already uploaded." in output
    assert "Uploading" not in output
    assert lambda_client().get_function_configuration(FunctionName="site")["CodeSha256"] == (
        result.sha256
    )


@pytest.mark.slow
def test_real_build_deploys_its_zip(role_arn: str, tmp_path: Path) -> None:
    """The real build_package (empty requirements: pip needs no network) feeding the deploy."""
    project = tmp_path / "project"
    (project / "mysite").mkdir(parents=True)
    (project / "manage.py").write_text("")
    (project / "mysite" / "__init__.py").write_text("")
    (project / "mysite" / "views.py").write_text("def home(request): ...\n")
    (project / "requirements.txt").write_text("")
    # Django, as far as the build's version check looks; the smoke test, which
    # would need all of it, is left out.
    (project / "django").mkdir()
    (project / "django" / "__init__.py").write_text(f"VERSION = {django.VERSION!r}\n")
    setting = {
        "FUNCTION_NAME": "site",
        "ROLE_ARN": role_arn,
        "REGION": "us-east-1",
        "PROJECT_DIR": str(project),
    }

    with override_settings(DJANGO_LAMBDA=setting):
        first = deploy("--skip-static", "--no-smoke-test")
        second = deploy("--skip-static", "--no-smoke-test")

    zip_path = project / ".lambda" / "package.zip"
    names = zipfile.ZipFile(zip_path).namelist()
    assert "mysite/views.py" in names
    assert "django_lambda/handler.py" in names
    config = lambda_client().get_function_configuration(FunctionName="site", Qualifier="1")
    expected_sha = base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode()
    assert config["CodeSha256"] == expected_sha
    assert f"CodeSha256 {expected_sha}" in first
    # The same project builds the same bytes, so the second deploy uploads nothing.
    assert f"Code unchanged (CodeSha256 {expected_sha}); skipping the upload." in second
    assert published() == ["1"]
