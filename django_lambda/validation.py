"""A setting's rule, phrased once: the values it accepts, and how a wrong one is reported.

The system checks report a wrong value as a ``CheckMessage``; the code that
reads the value and cannot go on without a right one (the build, for RUNTIME
and ARCHITECTURE) refuses it in the same words through ``SettingRule.refusal``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeGuard

from django.core.checks import CheckMessage, Error

from django_lambda.conf import SETTING_NAME, is_str_list

Validator = Callable[[Any], bool]

# The wording of the commonest wrong values, for ``SettingRule.message``.
MUST_BE_BOOL = "{name} must be True or False, not {value!r}."
MUST_BE_STR_LIST = "{name} must be a list of strings, not {value!r}."


@dataclass(frozen=True)
class SettingRule:
    """One row of a check table: ``key``'s value is right when ``validator`` says so, and a
    wrong one is reported as ``id`` with ``message`` and ``hint``.

    ``message`` is a template: ``{name}`` is the setting (``DJANGO_LAMBDA['KEY']``),
    ``{value}`` the wrong value (``{value!r}`` quotes it), ``{type}`` the name of its type
    and ``{shown}`` what ``show`` makes of it. With ``each``, the rule judges every item
    of a list of strings (a value that is no such list is another rule's to report), and
    ``{value}`` is the item.
    """

    key: str
    validator: Validator
    id: str
    message: str
    hint: str
    each: bool = False
    show: Callable[[Any], str] = repr

    @property
    def name(self) -> str:
        return f"{SETTING_NAME}[{self.key!r}]"

    def wrong(self, value: object) -> list[Any]:
        """The wrong values in ``value``: itself, or with ``each`` the wrong items."""
        if not self.each:
            return [] if self.validator(value) else [value]
        return [item for item in value if not self.validator(item)] if is_str_list(value) else []

    def describe(self, wrong: object) -> str:
        """``message`` for the wrong value ``wrong``."""
        return self.message.format(
            name=self.name, value=wrong, type=type(wrong).__name__, shown=self.show(wrong)
        )

    def messages(self, value: object) -> list[CheckMessage]:
        """The system check's errors for ``value``, the setting's value: none if it is right."""
        return [
            Error(self.describe(wrong), hint=self.hint, id=self.id) for wrong in self.wrong(value)
        ]

    def refusal(self, value: object) -> str | None:
        """What to say when code refuses ``value``: the message and the hint, or None if
        ``value`` is right."""
        wrong = self.wrong(value)
        return f"{self.describe(wrong[0])} {self.hint}" if wrong else None


# -- Validators: whether a value is right ----------------------------------


def is_bool(value: object) -> bool:
    return isinstance(value, bool)


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_path(value: object) -> TypeGuard[str | os.PathLike[str]]:
    return isinstance(value, (str, os.PathLike))


def is_str_dict(value: object) -> TypeGuard[dict[str, str]]:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def int_between(low: int, high: int) -> Validator:
    """An int (not a bool) from ``low`` to ``high``."""
    return lambda value: is_int(value) and low <= value <= high


def matches(pattern: re.Pattern[str]) -> Validator:
    """A string that ``pattern`` matches."""
    return lambda value: isinstance(value, str) and pattern.match(value) is not None


def optional(validator: Validator) -> Validator:
    """None (the setting is not set), or a value ``validator`` accepts."""
    return lambda value: value is None or validator(value)
