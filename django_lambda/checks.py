"""System checks for the ``DJANGO_LAMBDA`` setting.

Ids are never reused. Ranges: E001-E009 the setting itself, E010-E019 the
handler, E020-E029 static files, E100-E199 / W100-W199 deploying.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Tags, register as register_check

from django_lambda.conf import DEFAULTS, SETTING_NAME, lambda_settings


def register() -> None:
    register_check(Tags.compatibility)(check_setting_shape)


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
