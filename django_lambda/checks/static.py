"""E020-E029: the manifest directory and the options of ``StaticStorage``."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error

from django_lambda.conf import lambda_settings
from django_lambda.package.rules import is_static_storage


def check_static_storage(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E020-E023: the manifest directory and the options of ``StaticStorage``."""
    config = getattr(settings, "STORAGES", {}).get("staticfiles", {})
    try:
        if not is_static_storage(config.get("BACKEND", "")):
            return []
    except ImportError:
        return []  # Django reports an unimportable backend itself.
    # Imported here: a site whose static storage is another one never loads it.
    from django_lambda.storage import OWN_OPTIONS

    options = config.get("OPTIONS", {})
    errors: list[CheckMessage] = []
    manifest_dir = lambda_settings.manifest_dir
    if not manifest_dir.is_dir():
        errors.append(
            Error(
                f"The static files manifest directory {manifest_dir} does not exist.",
                hint="Create it, or point DJANGO_LAMBDA['STATIC_MANIFEST_DIR'] at a "
                "directory inside the project, so the manifest ships in the package.",
                id="django_lambda.E020",
            )
        )
    # Inside Lambda the package is read-only by design; the manifest is only
    # written by collectstatic, before deploying.
    elif not os.access(manifest_dir, os.W_OK) and "AWS_LAMBDA_FUNCTION_NAME" not in os.environ:
        errors.append(
            Error(
                f"The static files manifest directory {manifest_dir} is not writable, "
                "so collectstatic cannot write staticfiles.json.",
                hint="Make it writable, or point DJANGO_LAMBDA['STATIC_MANIFEST_DIR'] at "
                "a writable directory inside the project.",
                id="django_lambda.E021",
            )
        )
    if not options.get("bucket_name") and not getattr(settings, "AWS_STORAGE_BUCKET_NAME", None):
        errors.append(
            Error(
                "StaticStorage has no bucket.",
                hint="Set STORAGES['staticfiles']['OPTIONS']['bucket_name'] "
                "(or AWS_STORAGE_BUCKET_NAME).",
                id="django_lambda.E022",
            )
        )
    valid = set(OWN_OPTIONS) | _s3_option_names()
    for key in sorted(set(options) - valid):
        close = difflib.get_close_matches(key, valid, n=1)
        errors.append(
            Error(
                f"STORAGES['staticfiles']['OPTIONS'] has an unknown key {key!r}.",
                hint=f"Did you mean {close[0]!r}?"
                if close
                else "See django-storages' S3 options: "
                "https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html",
                id="django_lambda.E023",
            )
        )
    return errors


def _s3_option_names() -> set[str]:
    """The options django-storages' S3 storage accepts (this imports boto3: fine in a check)."""
    from storages.backends.s3 import S3StaticStorage

    # get_default_settings() only reads settings; it needs no configured instance.
    names = set(S3StaticStorage.get_default_settings(S3StaticStorage.__new__(S3StaticStorage)))
    return names | {"cloudfront_signer"}
