"""The demo site's settings: deploy-clean, Lambda hosts, and S3 or sandbox static URLs."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.http.request import validate_host

ROOT = Path(__file__).resolve().parent.parent
ENV_NAMES = (
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_SECRET_KEY",
    "STARS_STATIC_BUCKET",
    "STARS_STATIC_DOMAIN",
    "STARS_CODE_BUCKET",
    "STARS_APOD_URL",
    "DJANGO_LAMBDA_ROLE_ARN",
)


def load_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import demo_site.settings

    return importlib.reload(demo_site.settings)


def test_demo_passes_the_deploy_checks() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env["DJANGO_SETTINGS_MODULE"] = "demo_site.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "System check identified no issues (0 silenced).\n"


def test_defaults_are_safe_for_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(monkeypatch)
    assert settings.DEBUG is False
    assert len(settings.SECRET_KEY) >= 50
    assert settings.SECRET_KEY != load_settings(monkeypatch).SECRET_KEY
    assert settings.DATABASES == {}
    assert settings.CACHES["default"]["BACKEND"].endswith("DummyCache")
    assert "django.contrib.sessions" not in settings.INSTALLED_APPS
    assert "django_lambda" in settings.INSTALLED_APPS
    assert settings.DJANGO_LAMBDA["FUNCTION_NAME"] == "django-lambda-demo"
    assert settings.DJANGO_LAMBDA["ENVIRONMENT"] == {"DJANGO_SETTINGS_MODULE": "demo_site.settings"}


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("abcdefghij1234567890.lambda-url.eu-west-1.on.aws", True),
        ("abcdefghij1234567890.lambda-url.us-east-1.on.aws", False),
        ("a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", True),
        # The local commands send the function's host, as the README recommends.
        ("127.0.0.1", False),
        ("localhost", False),
        ("stars.example.com", True),
        ("evil.example", False),
        ("lambda-url.eu-west-1.on.aws.evil.example", False),
    ],
)
def test_allowed_hosts(monkeypatch: pytest.MonkeyPatch, host: str, allowed: bool) -> None:
    settings = load_settings(
        monkeypatch, AWS_REGION="eu-west-1", DJANGO_ALLOWED_HOSTS=" stars.example.com, "
    )
    assert validate_host(host, settings.ALLOWED_HOSTS) is allowed


def test_static_files_on_s3(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(monkeypatch, AWS_REGION="eu-west-1", STARS_STATIC_BUCKET="my-stars")
    assert settings.STORAGES["staticfiles"] == {
        "BACKEND": "django_lambda.storage.StaticStorage",
        "OPTIONS": {
            "bucket_name": "my-stars",
            "custom_domain": "my-stars.s3.eu-west-1.amazonaws.com",
            "url_protocol": "https:",
            "endpoint_url": None,
            "region_name": "eu-west-1",
            "location": "static",
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }


def test_static_files_on_a_custom_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(monkeypatch, STARS_STATIC_DOMAIN="d111111abcdef8.cloudfront.net")
    options = settings.STORAGES["staticfiles"]["OPTIONS"]
    assert (options["url_protocol"], options["custom_domain"]) == (
        "https:",
        "d111111abcdef8.cloudfront.net",
    )


def test_static_files_in_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(monkeypatch, AWS_ENDPOINT_URL="http://127.0.0.1:5123")
    options = settings.STORAGES["staticfiles"]["OPTIONS"]
    assert options["endpoint_url"] == "http://127.0.0.1:5123"
    assert (options["url_protocol"], options["custom_domain"]) == (
        "http:",
        "127.0.0.1:5123/django-lambda-demo-static",
    )
    assert settings.STATIC_URL == "http://127.0.0.1:5123/django-lambda-demo-static/static/"


def test_deploying_shell_settings_reach_the_function(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(
        monkeypatch,
        STARS_APOD_URL="",
        STARS_STATIC_BUCKET="my-stars",
        DJANGO_LAMBDA_ROLE_ARN="arn:aws:iam::123456789012:role/stars",
        STARS_CODE_BUCKET="my-code",
    )
    assert settings.DJANGO_LAMBDA["ENVIRONMENT"] == {
        "DJANGO_SETTINGS_MODULE": "demo_site.settings",
        "STARS_APOD_URL": "",
        "STARS_STATIC_BUCKET": "my-stars",
    }
    assert settings.DJANGO_LAMBDA["ROLE_ARN"] == "arn:aws:iam::123456789012:role/stars"
    assert settings.DJANGO_LAMBDA["S3_BUCKET"] == "my-code"


@pytest.mark.parametrize(
    ("env", "store_url"),
    [
        ({}, "https://django-lambda-demo-static.s3.us-east-1.amazonaws.com/stars/apod.json"),
        (
            {"STARS_STATIC_DOMAIN": "d111111abcdef8.cloudfront.net"},
            "https://d111111abcdef8.cloudfront.net/stars/apod.json",
        ),
        (
            {"AWS_ENDPOINT_URL": "http://127.0.0.1:5123"},
            "http://127.0.0.1:5123/django-lambda-demo-static/stars/apod.json",
        ),
    ],
)
def test_the_picture_store_is_read_where_static_files_are_served(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], store_url: str
) -> None:
    settings = load_settings(monkeypatch, **env)
    # The task writes the object into the static bucket, outside the static files' prefix.
    assert (settings.STARS_APOD_BUCKET, settings.STARS_APOD_KEY) == (
        settings.STATIC_BUCKET,
        "stars/apod.json",
    )
    read_from = settings.STARS_APOD_STORE_URL
    assert read_from == store_url
    assert settings.TASKS == {"default": {"BACKEND": "django_lambda.tasks.LambdaBackend"}}
