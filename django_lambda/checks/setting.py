"""E001-E009: the ``DJANGO_LAMBDA`` setting itself; and the checks that judge its values."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error

from django_lambda.conf import DEFAULTS, SETTING_NAME, lambda_settings
from django_lambda.validation import SettingRule


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


# What a check of the setting judges: a value against a rule, or, for what one
# value cannot decide alone, a function that reads the settings it needs.
Judged = SettingRule | Callable[[], list[CheckMessage]]


def setting_check(*judged: Judged) -> Callable[..., list[CheckMessage]]:
    """A system check that reports, in order, the errors of the setting's values against
    the rules and the messages of the functions in ``judged``; nothing when the setting
    is no dict (E002 says so)."""

    def check(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
        if not isinstance(lambda_settings.user_dict, dict):
            return []
        messages: list[CheckMessage] = []
        for item in judged:
            if isinstance(item, SettingRule):
                messages.extend(item.messages(getattr(lambda_settings, item.key)))
            else:
                messages.extend(item())
        return messages

    return check
