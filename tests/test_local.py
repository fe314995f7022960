"""The local Runtime API against AWS's real runtime client (awslambdaric)."""

from __future__ import annotations

import http.client
import json
import os
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from django_lambda import local, package
from django_lambda.conf import DEFAULT_RUNTIME_PACKAGES, deploy_config, local_runtime
from django_lambda.configuration import DeployConfig
from django_lambda.deploy import local_run
from tests.deploy_helpers import FakeBuild
from tests.local_packages import (
    BROKEN_HANDLER,
    ECHO_HANDLER,
    make_zip,
    write_package,
    zip_package,
)


@pytest.fixture
def echo_zip(tmp_path: Path) -> Path:
    return make_zip(tmp_path)


def test_round_trip_through_awslambdaric(echo_zip: Path) -> None:
    with local.LocalFunction(
        echo_zip,
        function_name="site",
        environment={"DJANGO_SETTINGS_MODULE": "site.settings", "GREETING": "hi"},
        region="eu-west-1",
        memory_size=256,
    ) as function:
        first = function.invoke({"path": "/", "n": 1})
        second = function.invoke({"n": 2})

    task_root = function.task_root
    assert first.function_error is None
    assert first.payload == {
        "event": {"path": "/", "n": 1},
        "request_id": first.request_id,
        "function_arn": "arn:aws:lambda:eu-west-1:000000000000:function:site",
        "remaining_ms_positive": True,
        "pid": first.payload["pid"],
        "sys_path": first.payload["sys_path"],
        "cwd": str(task_root),
        "environ": {
            "AWS_LAMBDA_FUNCTION_NAME": "site",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_REGION": "eu-west-1",
            "LAMBDA_TASK_ROOT": str(task_root),
            "DJANGO_SETTINGS_MODULE": "site.settings",
            "GREETING": "hi",
        },
    }
    assert first.log == "handling ['n', 'path']\n"
    # The init phase is reported once, with the first (cold) invocation.
    assert first.init_duration is not None
    assert second.init_duration is None
    assert second.payload["event"] == {"n": 2}
    assert second.payload["pid"] == first.payload["pid"]
    assert second.request_id != first.request_id


def test_import_path_is_the_package_and_the_runtime_client_only(echo_zip: Path) -> None:
    with local.LocalFunction(echo_zip) as function:
        sys_path = function.invoke({}).payload["sys_path"]
    assert sys_path[:2] == [str(function.task_root), str(function.runtime_dir)]
    stdlib = os.path.dirname(os.__file__)
    assert [p for p in sys_path[2:] if not p.startswith(sys.base_prefix)] == []
    assert [p for p in sys_path if "site-packages" in p] == []
    assert stdlib in sys_path
    assert sorted(p.name for p in function.runtime_dir.iterdir()) == sorted(
        p.name for p in local.runtime_entries()
    )
    names = {p.name for p in function.runtime_dir.iterdir()}
    assert "awslambdaric" in names
    assert "django" not in names


def test_a_dependency_missing_from_the_package_fails_as_on_lambda(tmp_path: Path) -> None:
    # Django is installed here, but not in the package: it must not be found.
    package = write_package(
        tmp_path / "pkg", "import django\n\ndef lambda_handler(e, c):\n    return 1\n"
    )
    with pytest.raises(local.InitError) as caught, local.LocalFunction(package) as function:
        function.start()
    assert caught.value.missing_module == "django"
    assert caught.value.error_type == "Runtime.ImportModuleError"


def test_init_error_from_a_broken_package(tmp_path: Path) -> None:
    broken = make_zip(tmp_path, BROKEN_HANDLER)
    function = local.LocalFunction(broken)
    with pytest.raises(local.InitError) as caught:
        function.invoke({})
    error = caught.value
    assert error.error_type == "Runtime.ImportModuleError"
    assert error.error_message == (
        "Unable to import module 'django_lambda.handler': No module named 'not_in_the_package'"
    )
    assert error.missing_module == "not_in_the_package"
    assert str(error).startswith(
        "The function failed to initialize: Runtime.ImportModuleError: Unable to import "
        "module 'django_lambda.handler': No module named 'not_in_the_package'\n"
        "The package has no module 'not_in_the_package': add the distribution"
    )
    assert "[ERROR] Runtime.ImportModuleError" in error.log
    assert not function.alive


def test_invocation_error_carries_type_message_and_stack(echo_zip: Path) -> None:
    with local.LocalFunction(echo_zip) as function:
        result = function.invoke({"fail": "no such star"})
        after = function.invoke({"n": 1})
    raise_line = ECHO_HANDLER.splitlines().index('        raise ValueError(event["fail"])') + 1
    assert result.payload is None
    assert result.function_error == {
        "errorType": "ValueError",
        "errorMessage": "no such star",
        "requestId": result.request_id,
        "stackTrace": [
            f'  File "{function.task_root}/django_lambda/handler.py", '
            f"line {raise_line}, in lambda_handler\n"
            '    raise ValueError(event["fail"])\n'
        ],
    }
    assert "[ERROR] ValueError: no such star\nTraceback (most recent call last):" in result.log
    # An error does not end the process: the next invocation is warm.
    assert after.init_duration is None


def test_a_crash_is_reported_and_the_next_invocation_starts_a_new_process(echo_zip: Path) -> None:
    with local.LocalFunction(echo_zip) as function:
        before = function.invoke({})
        crash = function.invoke({"exit": 3})
        after = function.invoke({})
    assert crash.function_error == {
        "errorType": "Runtime.ExitError",
        "errorMessage": "Runtime exited with error: exit status 3",
        "stackTrace": [],
    }
    assert after.init_duration is not None
    assert after.payload["pid"] != before.payload["pid"]


@pytest.mark.slow
def test_timeout_ends_the_process(echo_zip: Path) -> None:
    with local.LocalFunction(echo_zip, timeout=0.5) as function:
        pid_before = function.invoke({}).payload["pid"]
        result = function.invoke({"sleep": 30})
        after = function.invoke({})
    assert result.function_error == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 0.50 seconds",
        "stackTrace": [],
    }
    assert after.init_duration is not None
    assert after.payload["pid"] != pid_before


def test_close_ends_the_process(echo_zip: Path) -> None:
    function = local.LocalFunction(echo_zip)
    function.start()
    process = function.process
    assert process is not None
    assert function.log_path.is_file()
    function.close()
    assert not function.log_path.exists()
    assert process.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)


def test_runtime_api_speaks_http_1_1_with_the_lambda_headers() -> None:
    api = local.RuntimeAPI(function_arn="arn:aws:lambda:us-east-1:0:function:f", timeout=3)
    try:
        invocation = api.submit(b'{"a": 1}')
        host, port = api.address.split(":")
        connection = http.client.HTTPConnection(host, int(port))
        connection.request("GET", "/2018-06-01/runtime/invocation/next")
        response = connection.getresponse()
        assert response.version == 11
        assert response.status == 200
        assert response.read() == b'{"a": 1}'
        assert response.headers["Content-Length"] == "8"
        assert response.headers["Lambda-Runtime-Aws-Request-Id"] == invocation.request_id
        assert response.headers["Lambda-Runtime-Deadline-Ms"] == str(invocation.deadline_ms)
        assert response.headers["Lambda-Runtime-Invoked-Function-Arn"] == api.function_arn
        assert response.headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")

        # Same connection (keep-alive): an unknown id is refused, a known one accepted.
        connection.request("POST", "/2018-06-01/runtime/invocation/nope/response", b"{}")
        refused = connection.getresponse()
        assert (refused.status, json.loads(refused.read())["errorType"]) == (
            400,
            "InvalidRequestID",
        )
        connection.request(
            "POST", f"/2018-06-01/runtime/invocation/{invocation.request_id}/response", b"[1, 2]"
        )
        accepted = connection.getresponse()
        assert (accepted.status, accepted.read()) == (202, b'{"status": "OK"}')
        assert invocation.done.is_set()
        assert (invocation.response, invocation.error) == (b"[1, 2]", None)
    finally:
        api.close()


def test_unpack_is_keyed_by_the_package_bytes(tmp_path: Path) -> None:
    first = make_zip(tmp_path, ECHO_HANDLER, name="one")
    same = make_zip(tmp_path, ECHO_HANDLER, name="two")
    other = make_zip(tmp_path, BROKEN_HANDLER, name="three")
    with zipfile.ZipFile(other, "a") as archive:
        info = zipfile.ZipInfo("bin/tool")
        info.external_attr = 0o755 << 16
        archive.writestr(info, "#!/bin/sh\n")
    root = tmp_path / "unpacked"
    assert local.unpack(first, root) == local.unpack(same, root)
    unpacked_other = local.unpack(other, root)
    assert unpacked_other != local.unpack(first, root)
    assert unpacked_other.name == package.sha256_hex(package.code_sha256(other))[:16]
    # The zip's modes, without write permissions: the task root is read-only.
    assert (unpacked_other / "bin" / "tool").stat().st_mode & 0o777 == 0o555
    assert (unpacked_other / "django_lambda" / "handler.py").stat().st_mode & 0o777 == 0o444
    assert (unpacked_other / "bin").stat().st_mode & 0o777 == 0o555
    assert unpacked_other.stat().st_mode & 0o777 == 0o555
    assert (
        (unpacked_other / "django_lambda" / "handler.py")
        .read_text()
        .strip()
        .startswith("import not_in_the_package")
    )


def test_unpack_names_a_missing_package(tmp_path: Path) -> None:
    with pytest.raises(local.LocalRunError, match=r"No package at .*missing\.zip: build it"):
        local.unpack(tmp_path / "missing.zip")


def test_platform_mismatch() -> None:
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert local.platform_mismatch(here, local.local_architecture()) is None
    assert local.platform_mismatch("python3.99", local.local_architecture()) == (
        f"The package targets Python 3.99 (here: {here.removeprefix('python')}): native "
        "wheels in it may not load locally, although they will on Lambda. Running it anyway."
    )
    other = "arm64" if local.local_architecture() == "x86_64" else "x86_64"
    assert local.platform_mismatch(here, other) == (
        f"The package targets {other} (here: {local.local_architecture()}): native "
        "wheels in it may not load locally, although they will on Lambda. Running it anyway."
    )


# The bridge to DJANGO_LAMBDA.


def test_function_options_from_settings(tmp_path: Path) -> None:
    with override_settings(
        DJANGO_LAMBDA={
            "FUNCTION_NAME": "stars",
            "REGION": "eu-central-1",
            "RUNTIME": "python3.12",
            "ARCHITECTURE": "arm64",
            "MEMORY_SIZE": 1024,
            "TIMEOUT": 10,
            "ENVIRONMENT": {"GREETING": "hi"},
        }
    ):
        options = local.function_options(deploy_config())
    assert options == {
        "function_name": "stars",
        "environment": {"GREETING": "hi", "DJANGO_SETTINGS_MODULE": "tests.settings"},
        "region": "eu-central-1",
        "runtime": "python3.12",
        "architecture": "arm64",
        "memory_size": 1024,
        "timeout": 10,
        # Lambda's runtime provides these, so the package leaves them out.
        "runtime_distributions": ["awslambdaric", *DEFAULT_RUNTIME_PACKAGES],
    }


def test_function_options_environment_must_be_strings() -> None:
    with (
        override_settings(DJANGO_LAMBDA={"ENVIRONMENT": {"DEBUG": 1}}),
        pytest.raises(local.LocalRunError) as caught,
    ):
        local.function_options(deploy_config())
    assert str(caught.value) == (
        "DJANGO_LAMBDA['ENVIRONMENT'] values must be strings, as Lambda's are: fix ['DEBUG']."
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A project directory with a built zip; yields the log of build_package calls."""
    (tmp_path / "app.py").write_text("")
    built = tmp_path / ".lambda" / "package.zip"
    built.parent.mkdir()
    built.write_bytes(b"zip")
    calls: list[str] = []
    fake = FakeBuild(built.parent)

    def build_package(
        config: DeployConfig, *, output: Path | None = None, say: Any = None
    ) -> package.BuildResult:
        calls.append("build")
        return fake(config, output=output, say=say)

    monkeypatch.setattr(package, "build_package", build_package)
    with override_settings(DJANGO_LAMBDA={"PROJECT_DIR": str(tmp_path)}):
        yield calls


def test_local_package_uses_an_up_to_date_zip(project: list[str], tmp_path: Path) -> None:
    zip_path = tmp_path / ".lambda" / "package.zip"
    os.utime(tmp_path / "app.py", (1000, 1000))
    # Files in ignored places do not make the package stale.
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "x.py").write_text("")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "app.pyc").write_text("")
    os.utime(zip_path, (500_000_000_000, 500_000_000_000 - 1))
    for path in (tmp_path / ".venv" / "x.py", tmp_path / "__pycache__" / "app.pyc"):
        os.utime(path, (500_000_000_000, 500_000_000_000))
    assert local_run.local_package(deploy_config()) == zip_path
    assert project == []


def test_local_package_rebuilds_a_stale_zip(project: list[str], tmp_path: Path) -> None:
    zip_path = tmp_path / ".lambda" / "package.zip"
    os.utime(zip_path, (1000, 1000))
    notes: list[str] = []
    assert local_run.local_package(deploy_config(), say=notes.append) == zip_path
    assert project == ["build"]
    assert notes == [f"{zip_path} is older than the project's files: building it again."]


def test_local_package_builds_a_missing_zip(project: list[str], tmp_path: Path) -> None:
    zip_path = tmp_path / ".lambda" / "package.zip"
    zip_path.unlink()
    notes: list[str] = []
    assert local_run.local_package(deploy_config(), say=notes.append) == zip_path
    assert project == ["build"]
    assert notes == [f"No package at {zip_path}: building it."]


def test_an_explicit_start_is_not_charged_to_the_first_invocation(echo_zip: Path) -> None:
    with local.LocalFunction(echo_zip) as function:
        assert function.start() > 0
        assert function.invoke({}).init_duration is None


def test_unpack_keeps_only_the_newest_packages(tmp_path: Path) -> None:
    root = tmp_path / "unpacked"
    dirs = []
    for n in range(4):
        source = write_package(tmp_path / f"src{n}", f"VERSION = {n}\n")
        zip_path = tmp_path / f"p{n}.zip"
        zip_package(source, zip_path)
        dirs.append(local.unpack(zip_path, root))
        os.utime(dirs[-1], (1000 + n, 1000 + n))
    assert sorted(p.name for p in root.iterdir()) == sorted(d.name for d in dirs[-2:])


def test_local_package_rebuilds_after_a_file_is_deleted(project: list[str], tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "gone.py").write_text("")
    (tmp_path / "pkg" / "kept.py").write_text("")
    for path in (tmp_path / "app.py", tmp_path / "pkg" / "kept.py", tmp_path / "pkg", tmp_path):
        os.utime(path, (1000, 1000))
    zip_path = tmp_path / ".lambda" / "package.zip"
    os.utime(zip_path, (2000, 2000))
    (tmp_path / "pkg" / "gone.py").unlink()
    os.utime(tmp_path, (1000, 1000))  # only pkg/ records the deletion
    assert local_run.local_package(deploy_config()) == zip_path
    assert project == ["build"]


# The setup lambda_invoke --local and lambda_serve share.


def test_local_run_adds_the_environment_and_warns_of_another_platform() -> None:
    other = "arm64" if local.local_architecture() == "x86_64" else "x86_64"
    warnings: list[str] = []
    with override_settings(
        DJANGO_LAMBDA={"ARCHITECTURE": other, "ENVIRONMENT": {"GREETING": "hi"}}
    ):
        run = local_run.local_run(
            deploy_config(),
            package=Path("given.zip"),
            environment={"DJANGO_LAMBDA_KEY": "k"},
            warn=warnings.append,
        )
    assert run.package == Path("given.zip").absolute()
    assert run.options["environment"] == {
        "GREETING": "hi",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DJANGO_LAMBDA_KEY": "k",
    }
    assert warnings == [local.platform_mismatch(local_runtime(), other)]


def test_local_run_takes_the_deployed_functions_options_as_they_are() -> None:
    deployed = {
        "runtime": local_runtime(),
        "architecture": local.local_architecture(),
        "environment": {"DJANGO_SETTINGS_MODULE": "site.settings"},
    }
    warnings: list[str] = []
    # Settings that local options would refuse: the deployed function's are used instead.
    with override_settings(DJANGO_LAMBDA={"ENVIRONMENT": {"DEBUG": 1}}):
        run = local_run.local_run(
            deploy_config(),
            package=Path("deployed.zip"),
            deployed=deployed,
            environment={"DJANGO_LAMBDA_KEY": "k"},
            warn=warnings.append,
        )
    assert run.options == {
        "runtime": local_runtime(),
        "architecture": local.local_architecture(),
        "environment": {"DJANGO_SETTINGS_MODULE": "site.settings"},
    }
    assert warnings == []


def test_local_run_reports_a_failed_build(
    project: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".lambda" / "package.zip").unlink()

    def build_package(config: DeployConfig, **kwargs: Any) -> package.BuildResult:
        raise package.BuildError("requirements.txt names no such distribution 'nope'.")

    monkeypatch.setattr(package, "build_package", build_package)
    with pytest.raises(local.LocalRunError) as caught:
        local_run.local_run(deploy_config())
    assert str(caught.value) == (
        "Building the package failed: requirements.txt names no such distribution 'nope'."
    )
