"""System checks for the ``DJANGO_LAMBDA`` setting.

Ids are never reused. Ranges: E001-E009 the setting itself, E010-E019 the
handler, E020-E029 static files, E100-E199 / W100-W199 deploying.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Tags
from django.core.checks import register as register_check

from django_lambda.conf import DEFAULTS, SETTING_NAME, lambda_settings


def register() -> None:
    register_check(Tags.compatibility)(check_setting_shape)
    register_check(Tags.compatibility)(check_handler_settings)


def check_setting_shape(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    user = lambda_settings.user_dict
    if user is None:
        return []
    if not isinstance(user, dict):
        return [
            Error(
                f"{SETTING_NAME} must be a dict, not {type(user).__name__}.",
                hint=f"Write {SETTING_NAME} = {{'FUNCTION_NAME': 'my-site', ...}}.",
                id="django_lambda.E002",
            )
        ]
    errors: list[CheckMessage] = []
    for key in sorted(set(user) - set(DEFAULTS), key=str):
        close = difflib.get_close_matches(str(key), DEFAULTS, n=1)
        hint = (
            f"Did you mean {close[0]!r}?"
            if close
            else "Valid keys: " + ", ".join(sorted(DEFAULTS)) + "."
        )
        errors.append(
            Error(
                f"{SETTING_NAME} has an unknown key {key!r}.",
                hint=hint,
                id="django_lambda.E001",
            )
        )
    return errors


def check_handler_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E010-E019: the settings the Lambda handler reads on every request."""
    if not isinstance(lambda_settings.user_dict, dict):
        return []  # E002 says so already
    errors: list[CheckMessage] = []
    base_path = lambda_settings.BASE_PATH
    if not isinstance(base_path, str):
        errors.append(
            Error(
                f"{SETTING_NAME}['BASE_PATH'] must be a string, not {type(base_path).__name__}.",
                hint="Use the path your custom domain maps to the function, e.g. '/api', "
                "or '' for none.",
                id="django_lambda.E010",
            )
        )
    elif base_path and not base_path.startswith("/"):
        errors.append(
            Error(
                f"{SETTING_NAME}['BASE_PATH'] {base_path!r} does not start with '/'.",
                hint=f"Write it as {'/' + base_path.rstrip('/')!r}.",
                id="django_lambda.E011",
            )
        )
    elif base_path.endswith("/"):
        errors.append(
            Error(
                f"{SETTING_NAME}['BASE_PATH'] {base_path!r} ends with '/'.",
                hint=f"Write it as {base_path.rstrip('/')!r}"
                + (" (the root is '', not '/')." if base_path == "/" else "."),
                id="django_lambda.E012",
            )
        )
    types = lambda_settings.TEXT_CONTENT_TYPES
    if not isinstance(types, (list, tuple)) or not all(isinstance(t, str) for t in types):
        errors.append(
            Error(
                f"{SETTING_NAME}['TEXT_CONTENT_TYPES'] must be a list of strings, not {types!r}.",
                hint="List content types sent as text: 'text/*', '+json' or an exact type "
                "such as 'application/json'.",
                id="django_lambda.E013",
            )
        )
    else:
        for pattern in types:
            if not pattern.startswith("+") and pattern.count("/") != 1:
                errors.append(
                    Error(
                        f"{SETTING_NAME}['TEXT_CONTENT_TYPES'] has {pattern!r}, "
                        "which is no content type pattern.",
                        hint="Each entry is 'type/*', '+suffix' or an exact 'type/subtype'.",
                        id="django_lambda.E014",
                    )
                )
    log_requests = lambda_settings.LOG_REQUESTS
    if not isinstance(log_requests, bool):
        errors.append(
            Error(
                f"{SETTING_NAME}['LOG_REQUESTS'] must be True or False, not {log_requests!r}.",
                hint="Set it to True to log one line per request, False for failures only.",
                id="django_lambda.E015",
            )
        )
    return errors
