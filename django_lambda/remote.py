"""Management commands that an event asks the function to run: the gate, the run, a fitting result.

``{"manage": "migrate --noinput", "proof": "..."}`` runs the command when
the ``MANAGE`` setting allows it and the proof is the one ``gate`` makes
for that exact command line with the function's key. A scheduled command's
event, which EventBridge Scheduler sends, also names its ``SCHEDULE`` entry:
``{"schedule": "clearsessions", "manage": "clearsessions", "proof": "..."}``,
proved as the kind ``"schedule"``; it runs when its entry in the function's
own settings names that command line (``MANAGE`` is for commands sent by
hand), and its output and return code go to the log in one line, at ERROR
when the return code is not 0. Anything else runs nothing, answers with the
reason, and logs one warning line. The handler imports this module only for
such an event, so the HTTP path never loads Django's management machinery.
"""

from __future__ import annotations

import json
import logging
import shlex
import traceback
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError

from django_lambda import gate, limits
from django_lambda.conf import SETTING_NAME, handler_settings

logger = logging.getLogger("django_lambda.handler")
# Where a scheduled command's outcome goes. Lambda's Python runtime leaves the
# root logger at WARNING, which would hide a run that succeeded; LOGGING can
# still set this logger's level.
schedule_logger = logging.getLogger("django_lambda.schedule")
if schedule_logger.level == logging.NOTSET:
    schedule_logger.setLevel(logging.INFO)

KIND = "manage"
SCHEDULED = "schedule"
# The shell's "cannot execute": the command was found but did not run.
REFUSED = 126
# Room for the line that says where output was cut (ASCII, well under this).
_MARKER_ROOM = 200


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the command ``event`` asks for if it passes the gate; the result fits Lambda's limit."""
    scheduled = SCHEDULED in event
    reason = scheduled_refusal(event) if scheduled else refusal(event)
    if reason is not None:
        line = {
            "message": "command refused",
            "reason": reason,
            "command": _command_name(event.get(KIND)),
            "request_id": getattr(context, "aws_request_id", None),
        }
        if scheduled:
            line["schedule"] = str(event[SCHEDULED])[:100]
        logger.warning(json.dumps(line))
        return {"returncode": REFUSED, "stdout": "", "stderr": f"Refused: {reason}\n"}
    result = run_manage(event[KIND])
    if scheduled:
        log_scheduled(event[SCHEDULED], event[KIND], result, context)
    return fit(result, context)


def command_event(command_line: str, key: str) -> dict[str, str]:
    """The event that runs ``command_line`` in a function whose key is ``key``."""
    return {KIND: command_line, gate.PROOF_FIELD: gate.make_proof(key, KIND, command_line)}


def scheduled_event(name: str, command_line: str, key: str) -> dict[str, str]:
    """The event the schedule ``name`` sends to run ``command_line`` in a function whose
    key is ``key``: a schedule's fixed input."""
    proved = {SCHEDULED: name, KIND: command_line}
    return {**proved, gate.PROOF_FIELD: gate.make_proof(key, SCHEDULED, proved)}


def scheduled_refusal(event: dict[str, Any]) -> str | None:
    """Why the scheduled command in ``event`` may not run, or None if it may."""
    reason = gate.refusal(
        event,
        kind=SCHEDULED,
        payload={SCHEDULED: event[SCHEDULED], KIND: event[KIND]},
        keys=(SCHEDULED, KIND, gate.PROOF_FIELD),
        name="a scheduled command's event",
        what="this schedule and command line",
        remedy="lambda_deploy makes the schedules; deploy again.",
    )
    if reason is not None:
        return reason
    name = event[SCHEDULED]
    if handler_settings().schedule.get(name) != event[KIND]:
        return (
            f"{SETTING_NAME}['SCHEDULE'] has no entry {name!r} with this command: the "
            "schedule is older than the function's settings. lambda_deploy brings the "
            "schedules up to date."
        )
    return None


def log_scheduled(name: str, command_line: str, result: dict[str, Any], context: Any) -> None:
    """One log line with the scheduled command's return code and whole output (cut in the
    middle if the line would be over a log event's limit); at ERROR when it failed."""
    line = {
        "message": "scheduled command",
        "schedule": name,
        "command": command_line,
        "returncode": result["returncode"],
        "stdout": result["stdout"],
        "stderr": result["stderr"],
        "request_id": getattr(context, "aws_request_id", None),
    }
    # Room for what the runtime puts before the line (level, time, request id).
    line = fit(
        line,
        context,
        limit=limits.LOG_EVENT_LIMIT - 1024,
        within="the log line within its {limit} byte share of a log event",
    )
    failed = result["returncode"] != 0
    level = logging.ERROR if failed else logging.INFO
    schedule_logger.log(level, json.dumps(line, ensure_ascii=limits.ENSURE_ASCII))


def refusal(event: dict[str, Any]) -> str | None:
    """Why the command in ``event`` may not run, or None if it may. Never names the key or proof."""
    allowed = handler_settings().manage
    if allowed is False:
        return f"{SETTING_NAME}['MANAGE'] is False: this function runs no management commands."
    if allowed is None:
        return (
            f"{SETTING_NAME}['MANAGE'] is neither True, False nor a list of command names "
            "(check django_lambda.E016), so no command runs."
        )
    reason = gate.refusal(
        event,
        kind=KIND,
        payload=event[KIND],
        keys=(KIND, gate.PROOF_FIELD),
        name="a command event",
        what="this command line",
        remedy="Send commands with `manage.py lambda_invoke --manage`.",
    )
    if reason is not None:
        return reason
    if allowed is not True:
        name = _command_name(event[KIND])
        if name is not None and name not in allowed:
            return (
                f"{name!r} is not one of the commands {SETTING_NAME}['MANAGE'] allows "
                f"({', '.join(allowed) or 'none'})."
            )
    return None


def _command_name(command_line: Any) -> str | None:
    """The command's name (its first word), or None if the line cannot be split."""
    if type(command_line) is not str:
        return None
    try:
        argv = shlex.split(command_line)
    except ValueError:
        return None
    return argv[0][:100] if argv else None


def run_manage(command_line: Any) -> dict[str, Any]:
    """Run a management command in this process and return its exit code and output.

    ``command_line`` is split as a shell would (``shlex``). Errors come back as
    a non-zero ``returncode`` with the message in ``stderr``; they never raise.
    The gate is the caller's business (``handle``).
    """
    stdout, stderr = StringIO(), StringIO()
    if type(command_line) is not str or not command_line.strip():
        return {
            "returncode": 2,
            "stdout": "",
            "stderr": 'Give "manage" a command line as a string, e.g. '
            '{"manage": "migrate --noinput"}; got ' + repr(command_line) + ".\n",
        }
    try:
        argv = shlex.split(command_line)
    except ValueError as exc:
        return {
            "returncode": 2,
            "stdout": "",
            "stderr": f"Cannot split {command_line!r} into arguments: {exc}.\n",
        }
    returncode = 0
    with redirect_stdout(stdout), redirect_stderr(stderr):
        try:
            call_command(*argv, stdout=stdout, stderr=stderr)
        except CommandError as exc:
            stderr.write(f"CommandError: {exc}\n")
            returncode = exc.returncode
        except SystemExit as exc:
            # sys.exit(None) is success, sys.exit("message") a failure.
            returncode = int(exc.code) if isinstance(exc.code, int) else int(exc.code is not None)
            if isinstance(exc.code, str):
                stderr.write(exc.code + "\n")
        except Exception:
            # The caller gets the traceback; the log keeps it too.
            stderr.write(traceback.format_exc())
            logger.exception("Management command %r failed", command_line)
            returncode = 1
    return {"returncode": returncode, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}


# --- a result within Lambda's limit -----------------------------------------------


def fit(
    result: dict[str, Any],
    context: Any = None,
    *,
    limit: int = limits.RESPONSE_LIMIT,
    within: str = "the result within Lambda's {limit} byte limit",
) -> dict[str, Any]:
    """``result``, its stdout and stderr cut in the middle if the whole would be over ``limit``
    bytes (Lambda's limit for a result, unless given); ``within`` says so in the cut.

    What stays is the start and the end of each (where a command says what it
    does and how it ended), with a line in between that says how many bytes
    were cut; the return code is kept.
    """
    if limits.serialized_size(result) <= limit:
        return result
    streams = ("stdout", "stderr")
    empty = {**result, "stdout": "", "stderr": ""}
    budget = limit - limits.serialized_size(empty) - len(streams) * _MARKER_ROOM
    sizes = {name: limits.text_size(result[name]) for name in streams}
    # The smaller stream keeps all of itself if it fits in half; the other gets the rest.
    small, large = sorted(streams, key=sizes.__getitem__)
    allowance = {small: min(sizes[small], budget // 2)}
    allowance[large] = budget - allowance[small]
    fitted = dict(result)
    for name in streams:
        if sizes[name] <= allowance[name]:
            continue
        text = result[name]
        head, tail = _ends(text, allowance[name])
        cut = _utf8_size(text) - _utf8_size(head) - _utf8_size(tail)
        fitted[name] = (
            f"{head}\n[django-lambda: {cut} bytes of {name} cut here, to keep "
            f"{within.format(limit=limit)}]\n{tail}"
        )
        logger.warning(
            json.dumps(
                {
                    "message": "command output cut",
                    "stream": name,
                    "size": _utf8_size(text),
                    "cut": cut,
                    "limit": limit,
                    "request_id": getattr(context, "aws_request_id", None),
                }
            )
        )
    return fitted


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _ends(text: str, allowance: int) -> tuple[str, str]:
    """The longest start and end of ``text``, equally long, that serialise within ``allowance``.

    No character takes more than MAX_CHAR_BYTES, so a first guess always fits;
    the guess is then scaled by how much room it left, a few times.
    """

    def size(keep: int) -> int:
        head, tail = _split(text, keep)
        return limits.text_size(head) + limits.text_size(tail)

    best = keep = min(allowance // limits.MAX_CHAR_BYTES, len(text))
    for _ in range(8):
        measured = size(keep)
        if measured <= allowance:
            best = max(best, keep)
        scaled = min(keep * allowance // max(measured, 1), len(text))
        if scaled == keep:
            break
        keep = scaled
    return _split(text, best)


def _split(text: str, keep: int) -> tuple[str, str]:
    tail = keep // 2
    return text[: keep - tail], text[len(text) - tail :]
