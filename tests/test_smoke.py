"""The smoke test: lambda_deploy starts the built package here before it uploads anything."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import django
import pytest
from django.core.management.base import CommandError
from django.test import override_settings

from django_lambda import local, package
from django_lambda.conf import local_runtime
from django_lambda.configuration import DeployConfig
from django_lambda.deploy import smoke
from django_lambda.local import front_door
from tests.deploy_helpers import deploy
from tests.local_packages import BROKEN_HANDLER, write_package, zip_package

pytestmark = pytest.mark.slow

# Answers like django_lambda.handler, and fails on request.
HANDLER = """
def lambda_handler(event, context):
    if event.get("warmup"):
        return {"warm": True}
    path = event["rawPath"]
    host = event["headers"]["host"]
    if path == "/boom":
        return {"statusCode": 500, "body": "it broke: " + host}
    if not host.endswith(".lambda-url.us-east-1.on.aws"):
        return {"statusCode": 400, "body": "bad host " + host}
    return {"statusCode": 200, "body": "fine"}
"""

WRONG_WARMUP = """
def lambda_handler(event, context):
    return {"statusCode": 200, "body": "a page"}
"""

FAILING_WARMUP = """
def lambda_handler(event, context):
    raise ValueError("no warm-up here")
"""


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


@pytest.fixture
def site(role_arn: str) -> Iterator[dict[str, Any]]:
    setting = {"FUNCTION_NAME": "site", "ROLE_ARN": role_arn, "REGION": "us-east-1"}
    with override_settings(DJANGO_LAMBDA=setting):
        yield setting


@pytest.fixture
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make package.build_package build a package whose handler is the given source."""

    def use(handler_source: str) -> None:
        def build_package(
            config: DeployConfig, *, output: Path | None = None, say: Any = None
        ) -> package.BuildResult:
            source = tmp_path / "source"
            if not source.exists():
                write_package(source, handler_source)
                (source / "django").mkdir()
                (source / "django" / "__init__.py").write_text(f"VERSION = {django.VERSION!r}\n")
            zip_path = zip_package(source, output or tmp_path / "package.zip")
            data = zip_path.read_bytes()
            sha = base64.b64encode(hashlib.sha256(data).digest()).decode()
            return package.BuildResult(zip_path, sha, len(data), len(data))

        monkeypatch.setattr(package, "build_package", build_package)

    return use


def function_exists() -> bool:
    client = boto3.client("lambda", region_name="us-east-1")
    try:
        client.get_function(FunctionName="site")
    except client.exceptions.ResourceNotFoundException:
        return False
    return True


def test_a_package_that_cannot_start_is_never_uploaded(
    site: dict[str, Any], builds: Callable[[str], None]
) -> None:
    builds(BROKEN_HANDLER)

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    message = str(raised.value)
    assert message.startswith(
        "[4/7] smoke test failed: The function failed to initialize: "
        "Runtime.ImportModuleError: Unable to import module 'django_lambda.handler': "
        "No module named 'not_in_the_package'"
    ), message
    assert "The package has no module 'not_in_the_package'" in message
    assert "The function's log:" in message
    assert message.endswith("Nothing was uploaded.")
    assert not function_exists()


def test_a_failing_warm_up_shows_the_functions_error_and_traceback(
    site: dict[str, Any], builds: Callable[[str], None]
) -> None:
    builds(FAILING_WARMUP)

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    message = str(raised.value)
    assert message.startswith(
        "[4/7] smoke test failed: The function failed on the warm-up event: "
        "ValueError: no warm-up here\n"
    ), message
    assert message.count("Traceback (most recent call last):\n") == 1
    assert 'raise ValueError("no warm-up here")' in message
    assert not function_exists()


def test_the_warm_up_must_be_answered_as_the_handler_does(
    site: dict[str, Any], builds: Callable[[str], None]
) -> None:
    builds(WRONG_WARMUP)

    with pytest.raises(CommandError) as raised:
        deploy("--skip-static")

    assert str(raised.value) == (
        '[4/7] smoke test failed: The function answered the warm-up event {"warmup": true} '
        'with {"statusCode": 200, "body": "a page"}, not {"warm": true}: is its handler '
        "django_lambda.handler.lambda_handler?\nNothing was uploaded."
    )


def test_smoke_test_paths_answer_below_500_with_the_functions_host(
    site: dict[str, Any], builds: Callable[[str], None]
) -> None:
    builds(HANDLER)

    with override_settings(DJANGO_LAMBDA={**site, "SMOKE_TEST_PATHS": ["/", "/about/?x=1"]}):
        output = deploy("--skip-static")

    assert re.search(r"\n      Init phase: \d+ ms\.\n", output), output
    assert "      GET /: 200 OK.\n      GET /about/?x=1: 200 OK.\n" in output
    assert function_exists()

    with (
        override_settings(DJANGO_LAMBDA={**site, "SMOKE_TEST_PATHS": ["/", "/boom"]}),
        pytest.raises(CommandError) as raised,
    ):
        deploy("--skip-static", "--build-only")

    message = str(raised.value)
    # The host lambda_invoke --local gives the function's requests.
    host = front_door.made_up_host("function_url", "site", "us-east-1")
    assert message.startswith(
        f"[4/4] smoke test failed: GET /boom answered 500 Internal Server Error:\nit broke: {host}"
    ), message
    assert "Nothing was uploaded" not in message


def test_no_smoke_test_deploys_without_starting_the_package(
    site: dict[str, Any], builds: Callable[[str], None]
) -> None:
    builds(BROKEN_HANDLER)

    output = deploy("--skip-static", "--no-smoke-test")

    assert "[4/7] smoke test ...\n      Skipped (--no-smoke-test).\n" in output
    assert function_exists()


def test_a_package_for_another_machine_is_not_started_here(
    site: dict[str, Any], builds: Callable[[str], None]
) -> None:
    builds(BROKEN_HANDLER)
    other = "arm64" if local.local_architecture() == "x86_64" else "x86_64"

    with override_settings(DJANGO_LAMBDA={**site, "ARCHITECTURE": other}):
        output = deploy("--skip-static")

    here = local_runtime()
    assert (
        f"      Skipped: the function runs {here} on {other} and this machine {here} on "
        f"{local.local_architecture()}, so the package's compiled modules and bytecode may "
        f"not load here. Run the deploy on {here} and {other} to test the package before it "
        "ships, or pass --no-smoke-test.\n"
    ) in output
    assert function_exists()


def test_static_differences_name_each_setting_with_both_sides() -> None:
    collected = {
        "backend": "django_lambda.storage.StaticStorage",
        "bucket_name": "site-static",
        "location": "static",
        "custom_domain": None,
        "sample": "site.css",
        "url": "https://site-static.s3.amazonaws.com/static/site.0123456789ab.css",
    }
    packaged = {
        **collected,
        "location": "",
        "url": "https://site-static.s3.amazonaws.com/site.0123456789ab.css",
    }

    assert smoke.compare_static(collected, collected) == []
    assert smoke.compare_static(collected, packaged) == [
        "  the location: STORAGES['staticfiles']['OPTIONS']['location'], or AWS_LOCATION "
        "(STATIC_ROOT for a file-system storage):\n"
        "    collectstatic used 'static'\n"
        "    the package has    ''",
        "  the URL of a collected file: STATIC_URL, the storage's options, or the manifest "
        "(staticfiles.json) in the package:\n"
        "    collectstatic used 'https://site-static.s3.amazonaws.com/static/site.0123456789ab.css'\n"
        "    the package has    'https://site-static.s3.amazonaws.com/site.0123456789ab.css'",
    ]
