"""The one place that reads ``settings.DJANGO_LAMBDA``: defaults merged over the user's dict.

Read through ``lambda_settings.NAME``. Values are read live (cached until a
``setting_changed`` signal), so ``override_settings`` works in tests.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

SETTING_NAME = "DJANGO_LAMBDA"

# Content types that travel as text; anything else (or anything with a
# Content-Encoding) goes base64-encoded. "type/*" matches the major type,
# "+suffix" a structured-syntax suffix, anything else the exact type.
DEFAULT_TEXT_CONTENT_TYPES = [
    "text/*",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/ecmascript",
    "application/x-www-form-urlencoded",
    "application/graphql",
    "image/svg+xml",
    "+json",
    "+xml",
]

# Packages the Lambda Python runtime already provides.
DEFAULT_RUNTIME_PACKAGES = [
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "urllib3",
    "six",
]

# Left out of the installed requirements because a function never reads them
# at run time. Patterns follow EXCLUDE's rules, from the install directory.
DEFAULT_PRUNE = [
    # gettext sources: Django reads only the compiled .mo files.
    "*.po",
    "*.pot",
    # type information, for type checkers only
    "*.pyi",
    "py.typed",
    # sources of compiled extensions: Lambda has no compiler to use them
    "*.c",
    "*.cpp",
    "*.pyx",
    "*.pxd",
    "*.pxi",
    # console scripts, whose #! line names this machine's Python
    "/bin",
]

DEFAULTS: dict[str, Any] = {
    # Handler
    "BASE_PATH": "",
    "TEXT_CONTENT_TYPES": DEFAULT_TEXT_CONTENT_TYPES,
    "LOG_REQUESTS": False,
    "MANAGE": True,  # True (behind the gate), False, or a list of command names
    # Static files
    "STATIC_MANIFEST_DIR": None,  # None: settings.BASE_DIR
    # Function
    "FUNCTION_NAME": None,
    "REGION": None,  # None: boto3's default region
    "ROLE_ARN": None,
    "RUNTIME": None,  # None: the running interpreter's pythonX.Y
    "ARCHITECTURE": "x86_64",
    "MEMORY_SIZE": 512,
    "TIMEOUT": 30,
    "ENVIRONMENT": {},
    "SNAPSTART": False,
    "VPC": None,  # {"subnet_ids": [...], "security_group_ids": [...]}
    "LAYERS": [],
    "TAGS": {},
    "ALIAS": "live",
    "HTTP": "function_url",  # "function_url", "http_api" or None
    "ENDPOINT_URL": None,
    # Package
    "PROJECT_DIR": None,  # None: settings.BASE_DIR
    "BUILD_DIR": ".lambda",
    "REQUIREMENTS": "requirements.txt",
    "INCLUDE": [],
    "EXCLUDE": [],
    "EXCLUDE_RUNTIME_PACKAGES": True,
    "RUNTIME_PACKAGES": DEFAULT_RUNTIME_PACKAGES,
    "PRUNE": DEFAULT_PRUNE,
    "PRUNE_STATIC": True,  # apps' static/ in the requirements, only with StaticStorage
    "PRUNE_LOCALES": True,  # translations outside LANGUAGES (all of them without USE_I18N)
    "COMPILE": True,  # ship bytecode, when the build runs on the runtime's Python
    "S3_BUCKET": None,
    # Deploy
    "SMOKE_TEST_PATHS": [],  # paths the smoke test requests; each must answer below 500
}


@cache
def _merged() -> dict[str, Any]:
    user = getattr(settings, SETTING_NAME, None) or {}
    if not isinstance(user, dict):
        # checks.py reports this (django_lambda.E002); fall back to defaults.
        user = {}
    return {**DEFAULTS, **user}


def _clear_cache(*, setting: str, **kwargs: Any) -> None:
    if setting in (SETTING_NAME, "BASE_DIR"):
        _merged.cache_clear()


setting_changed.connect(_clear_cache)


class LambdaSettings:
    """Attribute access to the merged ``DJANGO_LAMBDA`` dict, plus derived values."""

    def __getattr__(self, name: str) -> Any:
        try:
            return _merged()[name]
        except KeyError:
            raise AttributeError(f"{SETTING_NAME} has no setting {name!r}") from None

    @property
    def user_dict(self) -> Any:
        """The raw setting as the user wrote it (for checks)."""
        return getattr(settings, SETTING_NAME, None)

    @property
    def runtime(self) -> str:
        return _merged()["RUNTIME"] or f"python{sys.version_info.major}.{sys.version_info.minor}"

    @property
    def project_dir(self) -> Path:
        configured = _merged()["PROJECT_DIR"] or getattr(settings, "BASE_DIR", None)
        return Path(configured) if configured else Path.cwd()

    @property
    def manifest_dir(self) -> Path:
        configured = _merged()["STATIC_MANIFEST_DIR"]
        return Path(configured) if configured else self.project_dir

    @property
    def build_dir(self) -> Path:
        build_dir: str = _merged()["BUILD_DIR"]
        return self.project_dir / build_dir


lambda_settings = LambdaSettings()
