"""A one-page site with ``{% static %}``, for the storage tests and the cold-start benchmark.

Environment variables pick the static storage, so one site serves every setup:
``STATIC_SITE_STORAGE`` = ``lambda`` (django_lambda's StaticStorage, the default),
``stock`` (django-storages' S3ManifestStaticStorage, manifest in the bucket) or
``plain`` (Django's StaticFilesStorage); ``STATIC_SITE_BUCKET``,
``STATIC_SITE_ENDPOINT`` (an S3 endpoint such as moto's server),
``STATIC_SITE_MANIFEST_DIR`` and ``STATIC_SITE_ROOT`` (plain storage's STATIC_ROOT).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "static-site-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "tests.static_site.urls"
INSTALLED_APPS = ["django.contrib.staticfiles", "django_lambda"]
MIDDLEWARE: list[str] = []
DATABASES: dict[str, Any] = {}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
    }
]
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = os.environ.get("STATIC_SITE_ROOT", str(BASE_DIR / "collected"))
DJANGO_LAMBDA = {"STATIC_MANIFEST_DIR": os.environ.get("STATIC_SITE_MANIFEST_DIR", str(BASE_DIR))}

_bucket_options = {
    "bucket_name": os.environ.get("STATIC_SITE_BUCKET", "static-site"),
    "endpoint_url": os.environ.get("STATIC_SITE_ENDPOINT") or None,
    "region_name": "us-east-1",
}
_backends = {
    "lambda": {"BACKEND": "django_lambda.storage.StaticStorage", "OPTIONS": _bucket_options},
    "stock": {
        "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
        "OPTIONS": _bucket_options,
    },
    "plain": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": _backends[os.environ.get("STATIC_SITE_STORAGE", "lambda")],
}
