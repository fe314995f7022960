"""Shared pieces of the deploy tests: a fake build and command runners."""

from __future__ import annotations

import base64
import hashlib
import io
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django
from django.core.management import call_command

from django_lambda.configuration import DeployConfig
from django_lambda.package import BuildResult

HANDLER_SOURCE = '''"""Stand-in for django_lambda.handler inside the test package."""


def lambda_handler(event, context):
    if event.get("warmup"):
        return {{"warm": True}}
    return {{"statusCode": 200, "body": {body!r}}}
'''

# Stands in for the Django in a package: what the build's version check reads.
DJANGO_SOURCE = f"VERSION = {django.VERSION!r}\n"


@dataclass
class FakeBuild:
    """Replaces package.build_package: writes a small real zip holding a handler module."""

    directory: Path
    body: str = "v1"
    calls: list[dict[str, Any]] = field(default_factory=list)
    # Pretend sizes, to drive the S3 path without writing 50 MB.
    zipped_size: int | None = None
    # Whether the package has (a stand-in for) Django.
    django: bool = True

    def __call__(
        self, config: DeployConfig | None = None, *, output: Path | None = None, say: Any = None
    ) -> BuildResult:
        self.calls.append({"output": output})
        zip_path = output or self.directory / "package.zip"
        source = HANDLER_SOURCE.format(body=self.body).encode()
        buffer = io.BytesIO()
        files = {
            "django/__init__.py": DJANGO_SOURCE.encode(),
            "django_lambda/__init__.py": b"",
            "django_lambda/handler.py": source,
        }
        if not self.django:
            del files["django/__init__.py"]
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
        data = buffer.getvalue()
        zip_path.write_bytes(data)
        return BuildResult(
            zip_path=zip_path,
            sha256=base64.b64encode(hashlib.sha256(data).digest()).decode(),
            zipped_size=self.zipped_size or len(data),
            unzipped_size=len(source),
            largest=[("django", 9_000_000), ("django_lambda", len(source))],
        )


def deploy(*args: str) -> str:
    out = io.StringIO()
    call_command("lambda_deploy", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# A site's settings module on disk: lambda_deploy evaluates the project's
# settings in a child process with the function's environment, which sees
# this file, not the test's override_settings.
SITE_SETTINGS = """
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "deploy-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.staticfiles", "django_lambda"]
DATABASES = {}
USE_TZ = True
STATIC_URL = "/static/"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
"""


def write_site(project: Path, settings: str = "", *, package: str = "mysite") -> str:
    """``<project>/<package>/settings.py``: SITE_SETTINGS and then ``settings``; its module.

    The caller puts ``project`` on sys.path (``monkeypatch.syspath_prepend``),
    which the child process copies.
    """
    directory = project / package
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "__init__.py").write_text("")
    (directory / "settings.py").write_text(SITE_SETTINGS + textwrap.dedent(settings))
    return f"{package}.settings"
