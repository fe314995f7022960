"""E150-E169 / W150-W159: the schedules (SCHEDULE, KEEP_WARM, SCHEDULER_ROLE_ARN) and the
tasks (TASK_RETRIES, TASK_FAILURE_DESTINATION, and a TASKS backend that needs a framework).

Schedule expressions are judged here as EventBridge Scheduler judges them, so
that a typo fails ``manage.py check`` and not the deploy's last step:
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
"""

from __future__ import annotations

import re
import shlex
import zoneinfo
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import management
from django.core.checks import CheckMessage, Error

from django_lambda.conf import SETTING_NAME, TASKS_BACKEND, lambda_settings, uses_lambda_backend

ENTRY_KEYS = frozenset({"command", "schedule", "timezone"})
# A schedule's name in its group: https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
SCHEDULE_NAME_RE = re.compile(r"^[0-9a-zA-Z._-]{1,64}$")
# The warm-up schedule's name (aws.schedules.KEEP_WARM_NAME; checks may not import aws).
KEEP_WARM_NAME = "keep-warm"
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
# Lambda's on-failure destinations for asynchronous invocations.
DESTINATION_RE = re.compile(r"^arn:aws[a-z-]*:(sqs|sns|lambda|events|s3):[a-z0-9-]*:\d{0,12}:?\S+$")

_RATE_RE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON_RE = re.compile(r"^cron\((.*)\)$")
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT"
# Each cron field: its name, the values a number may take, the words it takes, and the
# special characters it allows besides , - * /.
_CRON_FIELDS = (
    ("minutes", 0, 59, "", ""),
    ("hours", 0, 23, "", ""),
    ("day-of-month", 1, 31, "", "?LW"),
    ("month", 1, 12, _MONTHS, ""),
    ("day-of-week", 1, 7, _DAYS, "?L#"),
    ("year", 1970, 2199, "", ""),
)


def expression_error(expression: object) -> str | None:
    """What is wrong with a schedule expression, as the end of a sentence; None if nothing."""
    if not isinstance(expression, str):
        return f"is {expression!r}, not a string like 'rate(1 day)' or 'cron(0 8 * * ? *)'"
    rate = _RATE_RE.match(expression)
    if rate:
        value, unit = int(rate[1]), rate[2]
        if value < 1:
            return "has a rate of 0; the smallest is 1"
        if (value == 1) != (not unit.endswith("s")):
            right = unit.rstrip("s") if value == 1 else unit + ("" if unit.endswith("s") else "s")
            return f"says '{value} {unit}'; Scheduler wants 'rate({value} {right})'"
        return None
    cron = _CRON_RE.match(expression)
    if cron:
        return _cron_error(cron[1].split())
    return (
        "is neither 'rate(value unit)' (unit: minute(s), hour(s) or day(s)) nor "
        "'cron(minutes hours day-of-month month day-of-week year)'"
    )


def _cron_error(fields: list[str]) -> str | None:
    if len(fields) != len(_CRON_FIELDS):
        return f"has {len(fields)} cron fields; Scheduler's cron has 6 (the last is the year)"
    for text, (name, low, high, words, special) in zip(fields, _CRON_FIELDS, strict=True):
        for part in text.split(","):
            if not _cron_part_ok(part.upper(), low, high, words, special):
                return (
                    f"has {text!r} as its {name}, which takes {low}-{high}"
                    + (f", {words.replace('|', ' ')}" if words else "")
                    + (f", and {' '.join(special)}" if special else "")
                )
    if (fields[2] == "?") == (fields[4] == "?"):
        return "must have '?' in exactly one of day-of-month and day-of-week"
    return None


def _cron_part_ok(part: str, low: int, high: int, words: str, special: str) -> bool:
    if part in {"*", "?"}:
        return part == "*" or "?" in special
    base, _, step = part.partition("/")
    if step and not (step.isdigit() and int(step) >= 1):
        return False
    if "#" in base and "#" in special:
        day, _, nth = base.partition("#")
        return _cron_value_ok(day, low, high, words) and nth in {"1", "2", "3", "4", "5"}
    if base == "*" or (base in {"L", "W", "LW"} and set(base) <= set(special)):
        return True
    if base.endswith(("L", "W")) and base[-1] in special:
        base = base[:-1]
    start, _, end = base.partition("-")
    return _cron_value_ok(start, low, high, words) and (
        not end or _cron_value_ok(end, low, high, words)
    )


def _cron_value_ok(value: str, low: int, high: int, words: str) -> bool:
    if value.isdigit():
        return low <= int(value) <= high
    return bool(words) and value in words.split("|")


def _entry_messages(name: object, entry: object) -> list[CheckMessage]:
    where = f"{SETTING_NAME}['SCHEDULE'][{name!r}]"
    if not isinstance(name, str) or not SCHEDULE_NAME_RE.match(name) or name == KEEP_WARM_NAME:
        return [
            Error(
                f"{where}: {name!r} cannot name a schedule.",
                hint="Use 1 to 64 letters, digits, '.', '_' or '-'; 'keep-warm' is KEEP_WARM's.",
                id="django_lambda.E152",
            )
        ]
    if not isinstance(entry, dict):
        return [
            Error(
                f"{where} is {entry!r}, not a dict.",
                hint="Write it as {'command': 'clearsessions', 'schedule': 'rate(1 day)'}, "
                "with an optional 'timezone'.",
                id="django_lambda.E151",
            )
        ]
    messages: list[CheckMessage] = []
    unknown = sorted(map(repr, set(entry) - ENTRY_KEYS))
    if unknown or "command" not in entry or "schedule" not in entry:
        messages.append(
            Error(
                f"{where} has the keys {sorted(map(repr, entry))}.",
                hint="An entry has 'command' and 'schedule', and may have 'timezone'; "
                + (f"remove {', '.join(unknown)}." if unknown else "add the missing ones."),
                id="django_lambda.E153",
            )
        )
    if "schedule" in entry:
        problem = expression_error(entry["schedule"])
        if problem:
            messages.append(
                Error(
                    f"{where}['schedule'] {problem}.",
                    hint="Examples: 'rate(1 day)', 'rate(15 minutes)', 'cron(0 8 ? * MON *)'.",
                    id="django_lambda.E154",
                )
            )
    timezone = entry.get("timezone")
    if timezone is not None and (
        not isinstance(timezone, str) or timezone not in zoneinfo.available_timezones()
    ):
        messages.append(
            Error(
                f"{where}['timezone'] is {timezone!r}, not a time zone name.",
                hint="Use an IANA name such as 'Europe/Paris' or 'America/New_York', or leave "
                "it out for UTC.",
                id="django_lambda.E155",
            )
        )
    if "command" in entry:
        messages.extend(_command_messages(where, entry["command"]))
    return messages


def _command_messages(where: str, command: object) -> list[CheckMessage]:
    try:
        argv = shlex.split(command) if isinstance(command, str) else []
    except ValueError:
        argv = []
    if not argv:
        return [
            Error(
                f"{where}['command'] is {command!r}, not a command line.",
                hint="Give the command as manage.py takes it, without 'manage.py': "
                "'clearsessions', 'send_digest --weekly'.",
                id="django_lambda.E156",
            )
        ]
    if argv[0] not in management.get_commands():
        return [
            Error(
                f"{where}['command'] runs {argv[0]!r}, which is no management command of "
                "this project.",
                hint="Check the spelling, and that the app that has it is in INSTALLED_APPS.",
                id="django_lambda.E157",
            )
        ]
    return []


def _keep_warm_messages() -> list[CheckMessage]:
    keep_warm = lambda_settings.KEEP_WARM
    problem = None if keep_warm is None else expression_error(keep_warm)
    if problem is None:
        return []
    return [
        Error(
            f"{SETTING_NAME}['KEEP_WARM'] {problem}.",
            hint="Set it to how often to send the warm-up event, e.g. 'rate(5 minutes)', "
            "or None for no warm-up schedule.",
            id="django_lambda.E158",
        )
    ]


def _task_messages() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    role = lambda_settings.SCHEDULER_ROLE_ARN
    if role is not None and not (isinstance(role, str) and ROLE_ARN_RE.match(role)):
        messages.append(
            Error(
                f"{SETTING_NAME}['SCHEDULER_ROLE_ARN'] is {role!r}, not an IAM role ARN.",
                hint="Give the ARN of a role scheduler.amazonaws.com may assume "
                "(arn:aws:iam::123456789012:role/name), or None to let lambda_deploy make one.",
                id="django_lambda.E159",
            )
        )
    retries = lambda_settings.TASK_RETRIES
    if retries is not None and (type(retries) is not int or not 0 <= retries <= 2):
        messages.append(
            Error(
                f"{SETTING_NAME}['TASK_RETRIES'] is {retries!r}; Lambda retries a failed "
                "asynchronous invocation 0, 1 or 2 times.",
                hint="Set it to 0, 1 or 2, or None to keep Lambda's setting (2 by default).",
                id="django_lambda.E160",
            )
        )
    destination = lambda_settings.TASK_FAILURE_DESTINATION
    if destination is not None and not (
        isinstance(destination, str) and DESTINATION_RE.match(destination)
    ):
        messages.append(
            Error(
                f"{SETTING_NAME}['TASK_FAILURE_DESTINATION'] is {destination!r}, not the ARN "
                "of an SQS queue or SNS topic.",
                hint="Give e.g. arn:aws:sqs:us-east-1:123456789012:failed-tasks, and allow the "
                "function's role to send to it.",
                id="django_lambda.E161",
            )
        )
    return messages


def _framework_messages() -> list[CheckMessage]:
    if not uses_lambda_backend():
        return []
    from django_lambda.tasks.installed import INSTALL_HINT, available

    if available():
        return []
    return [
        Error(
            f"TASKS uses {TASKS_BACKEND}, and this Django has no Tasks framework.",
            hint=INSTALL_HINT,
            id="django_lambda.E162",
        )
    ]


def check_schedules(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E150-E162: SCHEDULE's entries, KEEP_WARM, and the tasks' settings."""
    if not isinstance(lambda_settings.user_dict, dict):
        return []  # E002
    schedule = lambda_settings.SCHEDULE
    messages: list[CheckMessage] = []
    if not isinstance(schedule, dict):
        messages.append(
            Error(
                f"{SETTING_NAME}['SCHEDULE'] is {schedule!r}, not a dict.",
                hint="Map each schedule's name to its entry: {'clearsessions': {'command': "
                "'clearsessions', 'schedule': 'rate(1 day)'}}.",
                id="django_lambda.E150",
            )
        )
    else:
        for name, entry in schedule.items():
            messages.extend(_entry_messages(name, entry))
    messages.extend(_keep_warm_messages())
    messages.extend(_task_messages())
    messages.extend(_framework_messages())
    return messages
