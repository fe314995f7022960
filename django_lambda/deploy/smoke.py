"""The smoke test: start the built package as Lambda will, before anything is uploaded.

The package runs as ``lambda_invoke --local`` runs it (:class:`LocalFunction`:
a fresh process under AWS's runtime client, the package and the runtime's
packages alone on its import path, the function's environment). Its init
phase has to succeed and a warm-up event has to be answered; each of the
``SMOKE_TEST_PATHS`` has to answer below 500. Then the
static files storage is read inside the package, with the function's
environment, and compared with the one ``collectstatic`` used: a difference
means the function's static URLs point somewhere the files did not go.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django_lambda import gate, local
from django_lambda.conf import HANDLER, SETTING_NAME, local_runtime
from django_lambda.configuration import DeployConfig
from django_lambda.deploy.child import static_configuration
from django_lambda.events import client
from django_lambda.local import front_door
from django_lambda.progress import Say

WARMUP_EVENT = {"warmup": True}
# How much of the function's log a failure shows.
LOG_LINES = 60
WARMUP_ANSWER = {"warm": True}

# What each field of static_configuration() comes from, for the error.
STATIC_SETTINGS = {
    "backend": "STORAGES['staticfiles']['BACKEND']",
    "bucket_name": "the bucket: STORAGES['staticfiles']['OPTIONS']['bucket_name'], or "
    "AWS_STORAGE_BUCKET_NAME",
    "location": "the location: STORAGES['staticfiles']['OPTIONS']['location'], or AWS_LOCATION "
    "(STATIC_ROOT for a file-system storage)",
    "custom_domain": "the custom domain: STORAGES['staticfiles']['OPTIONS']['custom_domain'], "
    "or AWS_S3_CUSTOM_DOMAIN",
    "url": "the URL of a collected file: STATIC_URL, the storage's options, or the manifest "
    "(staticfiles.json) in the package",
}

# Runs inside the package: sys.path is the package and the runtime's packages.
_PROBE = """
from __future__ import annotations
import json, sys
sys.path[:0] = sys.argv[1].split({pathsep!r})
import django
django.setup()
{source}
with open(sys.argv[3], "w") as result:
    json.dump(static_configuration(sys.argv[2] or None), result)
"""


class SmokeTestError(Exception):
    """The package failed to start or answer; the message holds the function's error."""


@dataclass(frozen=True)
class SmokeResult:
    # Why the package could not run here; None when it ran.
    skipped: str | None = None
    init_duration: float | None = None
    # (path, status) for each of SMOKE_TEST_PATHS.
    answers: list[tuple[str, int]] = field(default_factory=list)
    # The static storage in the package, when compared.
    static: dict[str, Any] | None = None


def cannot_run_here(options: Mapping[str, Any]) -> str | None:
    """Why a package for ``options``'s runtime and architecture cannot start here, or None."""
    runtime, architecture = options["runtime"], options["architecture"]
    here, machine = local_runtime(), local.local_architecture()
    if runtime == here and architecture == machine:
        return None
    return (
        f"the function runs {runtime} on {architecture} and this machine {here} on {machine}, "
        "so the package's compiled modules and bytecode may not load here"
    )


def smoke_test(
    zip_path: Path,
    config: DeployConfig,
    *,
    collected: Mapping[str, Any] | None,
    say: Say,
) -> SmokeResult:
    """Run the smoke test of ``config``'s function; raise SmokeTestError on a failure.

    ``collected`` is the static storage's configuration as ``collectstatic``
    saw it (None: not compared). The requests to ``config.smoke_test_paths``
    come as through the function's URL (``front_door``), with a host of its
    form for its region. Raises ``local.LocalRunError`` when the function's
    options are wrong (``local.function_options``).
    """
    options = local.function_options(config)
    reason = cannot_run_here(options)
    if reason:
        return SmokeResult(skipped=reason)
    # What a request enqueues (a task) runs in another process, as under lambda_serve, with
    # a key of this run's own to prove it; the smoke test waits for it.
    options["environment"] = {**options["environment"], gate.KEY_VARIABLE: gate.new_key()}
    runs = local.AsyncRuns(zip_path, retries=0, say=say, **options)
    options["environment"] = {**options["environment"], **runs.variables()}
    try:
        function = local.LocalFunction(zip_path, **options)
    except local.LocalRunError as error:
        runs.close()
        return SmokeResult(skipped=str(error))
    answers = []
    with runs, function:
        try:
            init_duration = function.start()
        except local.InitError as error:
            raise SmokeTestError(_failure(str(error), error.stack_trace, error.log, "")) from None
        say(f"Init phase: {init_duration * 1000:.0f} ms.")
        warm = function.invoke(WARMUP_EVENT)
        if warm.function_error is not None:
            raise SmokeTestError(_function_error(warm, "on the warm-up event"))
        if warm.payload != WARMUP_ANSWER:
            raise SmokeTestError(
                f"The function answered the warm-up event {json.dumps(WARMUP_EVENT)} with "
                f"{json.dumps(warm.payload)[:300]}, not {json.dumps(WARMUP_ANSWER)}: is its "
                f"handler {HANDLER}?"
            )
        host = front_door.public_host(config, lookup=False)
        headers = front_door.PublicOrigin(host).to_function([], local_origin="")
        for path in config.smoke_test_paths:
            event = client.make_event(client.Request.from_target("GET", path, headers=headers))
            outcome = function.invoke(event)
            if outcome.function_error is not None:
                raise SmokeTestError(_function_error(outcome, f"on GET {path}"))
            try:
                response = client.read_result(outcome.payload)
            except client.MalformedResult as error:
                raise SmokeTestError(
                    f"GET {path}: the function's answer is invalid: {error}"
                ) from None
            if response.status >= 500:
                body = response.body.decode("utf-8", "replace")[:2000]
                raise SmokeTestError(
                    _failure(
                        f"GET {path} answered {response.status} {response.reason}:\n{body}",
                        [],
                        outcome.log,
                        "",
                    )
                )
            say(f"GET {path}: {response.status} {response.reason}.")
            answers.append((path, response.status))
        runs.wait()
        static = None
        if collected is not None:
            static = packaged_static_configuration(function, collected.get("sample"))
            differences = compare_static(collected, static)
            if differences:
                raise SmokeTestError(
                    "The static files storage in the package differs from the one collectstatic "
                    "used, so the function's static URLs would not point where the files went:\n"
                    + "\n".join(differences)
                    + "\nThe settings read something that differs between the two: a file "
                    "the package leaves out (.env files never ship), or LAMBDA_TASK_ROOT (the "
                    "project directory for collectstatic, the package's when it runs). Make "
                    f"these settings depend only on {SETTING_NAME}['ENVIRONMENT'] and the "
                    "variables Lambda sets."
                )
    return SmokeResult(init_duration=init_duration, answers=answers, static=static)


def packaged_static_configuration(
    function: local.LocalFunction, sample: str | None
) -> dict[str, Any]:
    """``static_configuration(sample)`` evaluated inside the package, with the function's
    environment, in a process of its own beside the function's."""
    environment = function.variables()
    paths = os.pathsep.join([str(function.task_root), str(function.runtime_dir)])
    code = _PROBE.format(pathsep=os.pathsep, source=inspect.getsource(static_configuration))
    with tempfile.TemporaryDirectory(prefix="django-lambda-") as scratch:
        result_path = Path(scratch) / "static.json"
        process = subprocess.run(
            [sys.executable, "-I", "-S", "-B", "-c", code, paths, sample or "", str(result_path)],
            cwd=function.task_root,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if process.returncode == 0 and result_path.is_file():
            result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
            return result
    tail = "\n".join((process.stdout + process.stderr).strip().splitlines()[-25:])
    raise SmokeTestError(f"Reading the static files storage inside the package failed:\n{tail}")


def compare_static(collected: Mapping[str, Any], packaged: Mapping[str, Any]) -> list[str]:
    """One line per setting whose effective value differs, with both sides."""
    lines = []
    for key, setting in STATIC_SETTINGS.items():
        if collected.get(key) != packaged.get(key):
            lines.append(
                f"  {setting}:\n"
                f"    collectstatic used {collected.get(key)!r}\n"
                f"    the package has    {packaged.get(key)!r}"
            )
    return lines


def _function_error(outcome: local.InvokeResult, when: str) -> str:
    error = outcome.function_error or {}
    message = f"{error.get('errorType', 'Unknown')}: {error.get('errorMessage', '')}"
    return _failure(message, error.get("stackTrace") or [], outcome.log, when)


def _failure(message: str, stack_trace: Sequence[str], log: str, when: str) -> str:
    text = f"The function failed {when}: {message}" if when else message
    traceback = "".join(stack_trace).rstrip("\n")
    lines = log.strip("\n").splitlines()
    # The runtime client logs the traceback too; shown once.
    if traceback and traceback.splitlines()[-1] not in lines:
        text += "\nTraceback (most recent call last):\n" + traceback
    if lines:
        shown = lines[-LOG_LINES:]
        cut = f" (its last {LOG_LINES} lines)" if len(lines) > LOG_LINES else ""
        text += f"\nThe function's log{cut}:\n" + "\n".join(shown)
    return text
