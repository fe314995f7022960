"""A project whose settings branch on DEBUG and on environment variables, deployed to the sandbox.

Its author's pattern (the talk's app does this): static files under a prefix
only when DEBUG is off, and an app installed only while debugging. The
deploying shell has DEBUG on; the function has DEBUG=0 from
DJANGO_LAMBDA["ENVIRONMENT"]. The deploy must collect, upload and check with
the function's settings, so that the page's static URLs answer.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import asgiref
import django
import pytest
import sqlparse
import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_lambda import aws, sandbox

pytestmark = pytest.mark.slow

SETTINGS = """
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "sandbox-tests-only"
DEBUG = os.environ.get("DEBUG", "1") == "1"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = ["django.contrib.staticfiles", "django_lambda", "pages"]
if DEBUG:
    INSTALLED_APPS.append("debugtools")
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES = {}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
USE_TZ = True
USE_I18N = False
STATIC_URL = "/static/"
STORAGES = {
    "staticfiles": {
        "BACKEND": "django_lambda.storage.StaticStorage",
        "OPTIONS": {"bucket_name": "site-static", "region_name": "us-east-1"},
    },
}
if not DEBUG:
    AWS_LOCATION = os.environ.get("STATIC_LOCATION", "static")
"""

FILES = {
    "mysite/__init__.py": "",
    "mysite/urls.py": """
        from django.urls import path
        from django.views.generic import TemplateView

        urlpatterns = [path("", TemplateView.as_view(template_name="pages/home.html"))]
    """,
    "pages/__init__.py": "",
    "pages/templates/pages/home.html": """
        {% load static %}<!doctype html>
        <link rel="stylesheet" href="{% static 'pages/site.css' %}">
        <img src="{% static 'pages/logo.svg' %}" alt="logo">
    """,
    "pages/static/pages/site.css": 'body { background: url("logo.svg"); }\n',
    "pages/static/pages/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    "debugtools/__init__.py": "",
    "debugtools/static/debugtools/panel.css": ".panel { color: red; }\n",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The project, with Django and django-storages copied in (the tests reach no index)."""
    project = tmp_path / "project"
    for name, text in {"mysite/settings.py": SETTINGS, **FILES}.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    for module in (django, asgiref, sqlparse, storages):
        assert module.__file__ is not None
        source = Path(module.__file__).parent
        ignored = shutil.ignore_patterns("__pycache__", "*.po", "*.mo", "gis", "admin")
        shutil.copytree(source, project / source.name, ignore=ignored)
    monkeypatch.setattr(sys, "path", [*sys.path, str(project)])
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    with mock.patch.dict(os.environ):
        yield project
    sandbox.stop(project)


def lambda_setting(project: Path, **environment: str) -> dict[str, Any]:
    return {
        "FUNCTION_NAME": "site",
        "PROJECT_DIR": str(project),
        "REQUIREMENTS": None,
        "COMPILE": False,
        "SMOKE_TEST_PATHS": ["/"],
        "ENVIRONMENT": {"DJANGO_SETTINGS_MODULE": "mysite.settings", **environment},
    }


def test_the_deploy_uploads_where_the_function_looks(project: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    setting = lambda_setting(project, DEBUG="0", STATIC_LOCATION="assets")

    with override_settings(DJANGO_LAMBDA=setting):
        call_command("lambda_deploy", "--sandbox", stdout=out, stderr=err)
        page = io.StringIO()
        call_command("lambda_invoke", "--sandbox", "GET", "/", stdout=page, stderr=io.StringIO())

    output = out.getvalue()
    assert (
        # The sandbox adds its endpoint to the function's environment.
        "With the function's environment: DJANGO_SETTINGS_MODULE=mysite.settings; "
        "AWS_ENDPOINT_URL, DEBUG, STATIC_LOCATION from DJANGO_LAMBDA['ENVIRONMENT'] (values "
        "not shown); "
    ) in output
    assert "      GET /: 200 OK.\n" in output
    assert (
        "The package's static files storage is the one collectstatic used "
        "(django_lambda.storage.StaticStorage)."
    ) in output
    # DEBUG is off for the function: no W107, though it is on in this shell.
    assert "W107" not in err.getvalue()

    info = sandbox.running(project)
    assert info is not None
    html = page.getvalue()
    assert html.startswith("HTTP/1.1 200 OK\n"), html
    urls = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert len(urls) == 2
    for url in urls:
        assert url.startswith(f"{info.endpoint_url}/site-static/assets/pages/"), url
        with urllib.request.urlopen(url) as response:
            assert response.status == 200
    # The app installed only while debugging is not the function's: not collected.
    manifest = json.loads((project / "staticfiles.json").read_text())
    assert sorted(manifest["paths"]) == ["pages/logo.svg", "pages/site.css"]
    listed = aws.client("s3").list_objects_v2(Bucket="site-static")["Contents"]
    assert not [obj["Key"] for obj in listed if "debugtools" in obj["Key"]]


def test_settings_that_read_what_the_package_leaves_out_stop_the_deploy(
    project: Path,
) -> None:
    # The location comes from .env, which never ships.
    (project / ".env").write_text("from-dotenv\n")
    settings = project / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text()
        + 'if (BASE_DIR / ".env").is_file():\n'
        + '    AWS_LOCATION = (BASE_DIR / ".env").read_text().strip()\n'
    )

    with (
        override_settings(DJANGO_LAMBDA=lambda_setting(project, DEBUG="0")),
        pytest.raises(CommandError) as raised,
    ):
        call_command("lambda_deploy", "--build-only", stdout=io.StringIO(), stderr=io.StringIO())

    message = str(raised.value)
    assert message.startswith(
        "[4/4] smoke test failed: The static files storage in the package differs from the one "
        "collectstatic used, so the function's static URLs would not point where the files "
        "went:\n"
        "  the location: STORAGES['staticfiles']['OPTIONS']['location'], or AWS_LOCATION "
        "(STATIC_ROOT for a file-system storage):\n"
        "    collectstatic used 'from-dotenv'\n"
        "    the package has    'static'\n"
    ), message
    assert "(.env files never ship)" in message
