"""The embedded AWS sandbox: moto's server as a background process, reused across commands."""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.test import override_settings

from django_lambda import aws, package, sandbox
from django_lambda.conf import deploy_config
from tests.serving import sandbox_processes

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def restore_environ() -> Iterator[None]:
    # activate() points os.environ at the sandbox; each test gets it back as it was.
    with mock.patch.dict(os.environ):
        yield


@pytest.fixture(scope="module")
def shared_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project whose sandbox several tests share (starting one takes seconds)."""
    project = tmp_path_factory.mktemp("project")
    yield project
    assert len(sandbox_processes(project)) == 1, "every test reused one sandbox"
    sandbox.stop(project)
    assert sandbox_processes(project) == []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); /proc tells it apart.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def test_start_reuse_stop(tmp_path: Path) -> None:
    first = sandbox.activate(tmp_path, region="eu-west-1")
    try:
        state = json.loads((tmp_path / ".lambda" / "sandbox.json").read_text())
        assert state == {"endpoint_url": first.endpoint_url, "pid": first.pid}
        assert first.endpoint_url.startswith("http://127.0.0.1:")
        assert first.reused is False
        assert b"moto.server" in Path(f"/proc/{first.pid}/cmdline").read_bytes()
        assert (tmp_path / ".lambda" / "sandbox.log").exists()

        second = sandbox.activate(tmp_path, region="eu-west-1")
        assert second == sandbox.SandboxInfo(
            endpoint_url=first.endpoint_url,
            pid=first.pid,
            region="eu-west-1",
            role_arn=first.role_arn,
            reused=True,
        )
    finally:
        assert sandbox.stop(tmp_path) is True
    assert not alive(first.pid)
    assert sandbox_processes(tmp_path) == []
    assert not (tmp_path / ".lambda" / "sandbox.json").exists()
    assert sandbox.stop(tmp_path) is False
    assert sandbox.running(tmp_path) is None


def test_activate_points_this_process_at_the_sandbox(
    shared_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "real-account")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")

    info = sandbox.activate(shared_project, region="us-east-1")

    assert {name: os.environ.get(name) for name in sorted(sandbox.SANDBOX_ENVIRONMENT)} == {
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_SESSION_TOKEN": "sandbox",
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    assert os.environ["AWS_ENDPOINT_URL"] == info.endpoint_url
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_PROFILE" not in os.environ


def test_role_and_buckets_exist_and_activation_is_idempotent(shared_project: Path) -> None:
    info = sandbox.activate(shared_project, buckets=["demo-static"])
    s3 = aws.client("s3")
    s3.put_object(Bucket="demo-static", Key="static/logo.svg", Body=b"<svg/>")

    again = sandbox.activate(shared_project, buckets=["demo-static", "other"])

    assert again.role_arn == info.role_arn
    assert info.role_arn == f"arn:aws:iam::123456789012:role/{sandbox.ROLE_NAME}"
    role = aws.client("iam").get_role(RoleName=sandbox.ROLE_NAME)["Role"]
    assert role["Arn"] == info.role_arn
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    names = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    assert {sandbox.CODE_BUCKET, "demo-static", "other"} <= names
    body = s3.get_object(Bucket="demo-static", Key="static/logo.svg")["Body"].read()
    assert body == b"<svg/>"


def test_aws_client_reaches_the_sandbox(shared_project: Path) -> None:
    info = sandbox.activate(shared_project)

    lambda_client = aws.client("lambda")
    s3 = aws.client("s3")

    assert lambda_client.meta.endpoint_url == info.endpoint_url
    assert lambda_client.list_functions()["Functions"] == []
    assert sandbox.CODE_BUCKET in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_objects_are_served_over_plain_http(shared_project: Path) -> None:
    # How the demo's static URLs resolve: path-style, anonymous GET.
    info = sandbox.activate(shared_project, public_buckets=["public-static"])
    s3 = aws.client("s3")
    s3.put_object(Bucket="public-static", Key="a/b.css", Body=b"body{}", ContentType="text/css")
    s3.put_object(Bucket=sandbox.CODE_BUCKET, Key="code.zip", Body=b"PK")

    with urllib.request.urlopen(f"{info.endpoint_url}/public-static/a/b.css") as response:
        assert (response.status, response.headers["Content-Type"], response.read()) == (
            200,
            "text/css",
            b"body{}",
        )
    # HEAD as GET (S3 authorizes both with s3:GetObject), headers and no body.
    head = urllib.request.Request(f"{info.endpoint_url}/public-static/a/b.css", method="HEAD")
    with urllib.request.urlopen(head) as response:
        assert (response.status, response.headers["Content-Length"], response.read()) == (
            200,
            "6",
            b"",
        )
    # The code bucket stays private, to both.
    for method in ("GET", "HEAD"):
        private = urllib.request.Request(
            f"{info.endpoint_url}/{sandbox.CODE_BUCKET}/code.zip", method=method
        )
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(private)
        assert error.value.code == 403


def test_the_sandbox_derives_its_configuration(shared_project: Path) -> None:
    info = sandbox.activate(shared_project, region="eu-west-1")
    setting = {"FUNCTION_NAME": "site", "ENDPOINT_URL": "http://x", "ENVIRONMENT": {"DEBUG": "0"}}

    with override_settings(DJANGO_LAMBDA=setting):
        config = deploy_config()
    derived = sandbox.sandbox_config(info, config)
    assert ("site", info.endpoint_url, "eu-west-1", info.role_arn, sandbox.CODE_BUCKET) == (
        derived.function_name,
        derived.endpoint_url,
        derived.region,
        derived.role_arn,
        derived.s3_bucket,
    )
    # A function in the sandbox talks to the sandbox's AWS.
    assert derived.environment == {"DEBUG": "0", "AWS_ENDPOINT_URL": info.endpoint_url}
    # The configuration it derives from stays as it was.
    assert (config.endpoint_url, config.environment) == ("http://x", {"DEBUG": "0"})

    mine = {"ROLE_ARN": "arn:aws:iam::1:role/mine", "S3_BUCKET": "b"}
    with override_settings(DJANGO_LAMBDA=mine):
        derived = sandbox.sandbox_config(info, deploy_config())
    # A role of a real account cannot be assumed in the sandbox: its own role is used.
    assert (info.role_arn, "b") == (derived.role_arn, derived.s3_bucket)


def test_a_record_of_a_dead_sandbox_is_replaced(tmp_path: Path) -> None:
    state = tmp_path / ".lambda" / "sandbox.json"
    state.parent.mkdir()
    # Nothing listens on port 9 (discard) on the loopback.
    state.write_text(json.dumps({"endpoint_url": "http://127.0.0.1:9", "pid": 999999}))

    assert sandbox.running(tmp_path) is None
    assert not state.exists()
    info = sandbox.activate(tmp_path)
    try:
        assert info.reused is False
        assert info.endpoint_url != "http://127.0.0.1:9"
        assert json.loads(state.read_text())["pid"] == info.pid
    finally:
        sandbox.stop(tmp_path)


def test_a_corrupt_record_is_an_error_naming_the_file(tmp_path: Path) -> None:
    state = tmp_path / ".lambda" / "sandbox.json"
    state.parent.mkdir()
    state.write_text("{not json")

    with pytest.raises(sandbox.SandboxError, match=r"sandbox\.json is not valid JSON"):
        sandbox.activate(tmp_path)
    # stop() still clears it.
    assert sandbox.stop(tmp_path) is True
    assert not state.exists()


def test_without_moto_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox.server, "find_spec", lambda name: None)

    with pytest.raises(sandbox.SandboxError) as error:
        sandbox.activate(tmp_path)

    assert str(error.value) == (
        "The sandbox needs moto's server, and 'moto' is not installed. "
        "Install django-lambda's 'sandbox' extra, or: pip install 'moto[server]'"
    )


def test_the_handler_path_never_imports_moto_or_boto3() -> None:
    import subprocess
    import sys

    code = (
        "import sys, django_lambda.handler, django_lambda.sandbox;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'moto', 'boto3', 'botocore'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "demo_site.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "[]\n"


def make_zip(text: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", text)
    return buffer.getvalue()


def create_function(info: sandbox.SandboxInfo, name: str, code: bytes) -> dict[str, Any]:
    lambda_client = info.client("lambda")
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=info.role_arn,
        Handler="app.handler",
        Code={"ZipFile": code},
        Environment={"Variables": {"GREETING": "hello"}},
    )
    version: dict[str, Any] = lambda_client.publish_version(FunctionName=name)
    return version


def test_the_deployed_package_comes_back_from_the_sandbox(
    shared_project: Path, tmp_path: Path
) -> None:
    info = sandbox.activate(shared_project)
    code = make_zip("def handler(event, context): return 1\n")
    version = create_function(info, "round-trip", code)
    zip_path = tmp_path / "package.zip"
    zip_path.write_bytes(code)

    key = sandbox.store_package(info, "round-trip", zip_path)
    deployed = sandbox.deployed_package(info, shared_project, "round-trip", version["Version"])

    assert key == f"django-lambda/round-trip/{hashlib.sha256(code).hexdigest()}.zip"
    assert deployed.zip_path.read_bytes() == code
    assert deployed.zip_path.parent == shared_project / ".lambda" / "sandbox-packages"
    assert deployed.configuration["CodeSha256"] == version["CodeSha256"]
    assert deployed.environment == {"GREETING": "hello"}


def test_a_copy_that_does_not_match_codesha256_is_refused(
    shared_project: Path, tmp_path: Path
) -> None:
    info = sandbox.activate(shared_project)
    code = make_zip("def handler(event, context): return 2\n")
    create_function(info, "tampered", code)
    key = aws.package_key("tampered", package.code_sha256(code))
    aws.client("s3").put_object(Bucket=sandbox.CODE_BUCKET, Key=key, Body=b"other bytes")

    with pytest.raises(sandbox.SandboxError) as error:
        sandbox.deployed_package(info, shared_project, "tampered", None)

    assert str(error.value) == (
        f"s3://{sandbox.CODE_BUCKET}/{key} has CodeSha256 {package.code_sha256(b'other bytes')}, "
        f"but tampered runs {package.code_sha256(code)}: "
        "deploy it again with `manage.py lambda_deploy --sandbox`."
    )


def test_a_function_without_a_stored_copy_says_to_redeploy(shared_project: Path) -> None:
    info = sandbox.activate(shared_project)
    create_function(info, "no-copy", make_zip("x = 3\n"))

    with pytest.raises(sandbox.SandboxError, match=r"has no copy of no-copy.s code"):
        sandbox.deployed_package(info, shared_project, "no-copy", None)


def test_a_missing_function_says_to_deploy(shared_project: Path) -> None:
    info = sandbox.activate(shared_project)

    with pytest.raises(sandbox.SandboxError) as error:
        sandbox.deployed_package(info, shared_project, "absent", "live")

    assert str(error.value) == (
        "The sandbox has no function absent:live: deploy it first with "
        "`manage.py lambda_deploy --sandbox`."
    )
