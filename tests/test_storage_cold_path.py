"""A fresh process serving a page with ``{% static %}`` never imports boto3 with StaticStorage."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.moto_server import moto_server

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "static-site"
HAS_HANDLER = importlib.util.find_spec("django_lambda.handler") is not None


@pytest.fixture
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        boto3.client("s3", region_name="us-east-1", endpoint_url=url).create_bucket(Bucket=BUCKET)
        yield url


def site_env(storage: str, endpoint: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.static_site.settings",
        "STATIC_SITE_STORAGE": storage,
        "STATIC_SITE_BUCKET": BUCKET,
        "STATIC_SITE_ENDPOINT": endpoint,
        "STATIC_SITE_MANIFEST_DIR": str(tmp_path),
        "STATIC_SITE_ROOT": str(tmp_path / "root"),
        "PYTHONPATH": str(ROOT),
    }


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def serve_first_page(storage: str, endpoint: str, tmp_path: Path, via: str) -> dict[str, Any]:
    env = site_env(storage, endpoint, tmp_path)
    run(["-m", "django", "collectstatic", "--noinput", "-v0"], env)
    report: dict[str, Any] = json.loads(
        run(["-m", "tests.static_site.serve_once", "--via", via], env)
    )
    return report


@pytest.mark.slow
@pytest.mark.parametrize(
    "via",
    [
        "wsgi",
        pytest.param(
            "handler",
            marks=pytest.mark.skipif(not HAS_HANDLER, reason="django_lambda.handler not merged"),
        ),
    ],
)
def test_static_storage_page_imports_no_boto3(endpoint: str, tmp_path: Path, via: str) -> None:
    report = serve_first_page("lambda", endpoint, tmp_path, via)

    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert report["status"] == 200
    assert f'href="{endpoint}/{BUCKET}/{paths["css/site.css"]}"' in report["body"]
    assert f'src="{endpoint}/{BUCKET}/{paths["img/star.svg"]}"' in report["body"]
    assert (report["boto3"], report["botocore"]) == (False, False)
    # Nor anything else a request does not need.
    assert (report["moto"], report["build"]) == (False, False)


@pytest.mark.slow
def test_stock_storage_page_imports_boto3(endpoint: str, tmp_path: Path) -> None:
    """The same probe on django-storages' own manifest storage: it reads S3 at the first page."""
    report = serve_first_page("stock", endpoint, tmp_path, "wsgi")

    assert report["status"] == 200
    assert f'href="{endpoint}/{BUCKET}/css/site.' in report["body"]
    assert (report["boto3"], report["botocore"]) == (True, True)
