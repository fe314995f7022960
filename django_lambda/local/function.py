"""One Lambda execution environment on this machine: a package run as Lambda runs it.

:class:`LocalFunction` unpacks the package into a directory and starts a
fresh Python process whose import path holds only that directory and the
runtime client, running ``python -m awslambdaric`` with the function's
handler, fed by a :class:`~django_lambda.local.runtime_api.RuntimeAPI` of its
own. So a dependency missing from the package fails here exactly as it would
on Lambda.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django_lambda.conf import HANDLER, local_runtime
from django_lambda.configuration import DEFAULT_REGION, DeployConfig
from django_lambda.local.directories import RUNTIME_CLIENT, runtime_dir, unpack
from django_lambda.local.errors import InitError, LocalRunError
from django_lambda.local.isolation import Isolation, process_command, read_status
from django_lambda.local.runtime_api import Invocation, RuntimeAPI

LOCAL_ACCOUNT_ID = "000000000000"

# The process exits right after posting an init error; this bounds how long
# an init may take before we give up waiting for either outcome.
DEFAULT_INIT_TIMEOUT = 60.0


# Receives each invocation's log: its request id, what it printed, its REPORT line's figures.
LogSink = Callable[[str, str, str], None]


@dataclass(frozen=True)
class InvokeResult:
    """What one invocation gave back, shaped like Lambda's Invoke response."""

    request_id: str
    # The handler's return value, decoded from JSON (None on a function error).
    payload: Any
    # errorType, errorMessage, stackTrace when the function failed, else None.
    function_error: dict[str, Any] | None
    # Seconds: this invocation, and the init phase before it on a cold start.
    duration: float
    init_duration: float | None
    # What the process wrote to stdout and stderr during this invocation.
    log: str

    def report(self) -> str:
        """The durations, as the REPORT line of Lambda's log gives them."""
        report = f"Duration: {self.duration * 1000:.2f} ms"
        if self.init_duration is not None:
            report += f"  Init Duration: {self.init_duration * 1000:.2f} ms"
        return report


def local_architecture() -> str:
    """This machine's CPU as a Lambda architecture name (``x86_64`` or ``arm64``)."""
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(machine, machine)


def lambda_variables(
    *,
    task_root: Path | str,
    runtime_dir: Path | str,
    handler: str,
    runtime: str,
    function_name: str,
    memory_size: int,
    region: str,
) -> dict[str, str]:
    """The environment variables Lambda sets for a function, besides the Runtime API's address.

    https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
    """
    return {
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(runtime_dir),
        "_HANDLER": handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[$LATEST]{uuid.uuid4().hex}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }


_PASSED_THROUGH = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
)


class LocalFunction:
    """One Lambda execution environment for a package, on this machine.

    Like Lambda, it runs one invocation at a time, keeps its process warm
    between invocations, and starts a new one (a cold start) after a crash or
    a timeout.
    """

    _log_numbers = itertools.count(1)

    def __init__(
        self,
        package: Path,
        *,
        function_name: str = DeployConfig.LOCAL_NAME,
        handler: str = HANDLER,
        environment: Mapping[str, str] | None = None,
        region: str = DEFAULT_REGION,
        runtime: str | None = None,
        architecture: str | None = None,
        memory_size: int = 512,
        timeout: float = 30,
        runtime_distributions: Sequence[str] = (RUNTIME_CLIENT,),
        init_timeout: float = DEFAULT_INIT_TIMEOUT,
        mount_namespace: bool = True,
        log_sink: LogSink | None = None,
    ) -> None:
        package = Path(package).resolve()
        self.task_root = package if package.is_dir() else unpack(package)
        self.runtime_dir = runtime_dir(self.task_root.parent, runtime_distributions)
        self.function_name = function_name
        self.handler = handler
        self.environment = dict(environment or {})
        self.region = region
        self.runtime = runtime or local_runtime()
        self.architecture = architecture or local_architecture()
        self.memory_size = memory_size
        self.timeout = timeout
        self.init_timeout = init_timeout
        # False: never try a private mount namespace (see function_process.py).
        self.mount_namespace = mount_namespace
        # Where each invocation's log goes besides its result (the sandbox's CloudWatch Logs).
        self.log_sink = log_sink
        self.function_arn = f"arn:aws:lambda:{region}:{LOCAL_ACCOUNT_ID}:function:{function_name}"
        self.log_path = (
            self.task_root.parent / f"{function_name}-{os.getpid()}-{next(self._log_numbers)}.log"
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.api: RuntimeAPI | None = None
        # What the last process started got (see Isolation).
        self.isolation: Isolation | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> LocalFunction:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def variables(self) -> dict[str, str]:
        """``PATH``, the variables Lambda sets for a function, and the function's own."""
        return {
            "PATH": os.environ.get("PATH", os.defpath),
            **lambda_variables(
                task_root=self.task_root,
                runtime_dir=self.runtime_dir,
                handler=self.handler,
                runtime=self.runtime,
                function_name=self.function_name,
                memory_size=self.memory_size,
                region=self.region,
            ),
            **self.environment,
        }

    def environ(self, api_address: str) -> dict[str, str]:
        """The process environment: :meth:`variables` and the Runtime API's address."""
        env = {**self.variables(), "AWS_LAMBDA_RUNTIME_API": api_address}
        # Lambda gives the function its role's credentials; locally, the caller's.
        env.update(
            (name, value)
            for name, value in os.environ.items()
            if name in _PASSED_THROUGH or name.startswith("AWS_ENDPOINT_URL_")
        )
        env.update(self.environment)
        return env

    def start(self) -> float:
        """Start the process and run the init phase; return its duration in seconds.

        Raises :class:`InitError` when the runtime reports an init error, or
        the process exits before asking for its first event.
        """
        with self._lock:
            return self._start()

    def _start(self) -> float:
        self._stop()
        api = RuntimeAPI(function_arn=self.function_arn, timeout=self.timeout)
        log_start = self._log_size()
        started = time.monotonic()
        process, status = self._spawn(api)
        self.process, self.api = process, api
        threading.Thread(target=self._watch, args=(process, api), daemon=True).start()
        finished = api.wait(
            lambda: api.next_calls > 0 or api.init_error is not None or process.poll() is not None,
            self.init_timeout,
        )
        duration = time.monotonic() - started
        if not finished:
            self._stop()
        self._take_status(status)
        if api.next_calls > 0:
            return duration
        self._stop()
        exit_status = process.returncode if finished else None
        raise self._init_error(api.init_error, exit_status, self._read_log(log_start))

    def _spawn(self, api: RuntimeAPI) -> tuple[subprocess.Popen[bytes], int]:
        """Start the process; return it and the pipe it reports its isolation on."""
        status_read, status_write = os.pipe()
        command = process_command(
            self.task_root,
            self.runtime_dir,
            self.handler,
            mount_namespace=self.mount_namespace,
            status_fd=status_write,
        )
        try:
            # A file, not a pipe: whatever the function printed before posting its
            # result is in the file by the time the result arrives.
            with self.log_path.open("ab") as log_file:
                process = subprocess.Popen(
                    command,
                    cwd=self.task_root,
                    env=self.environ(api.address),
                    stdin=subprocess.DEVNULL,
                    # Its own session: a Ctrl-C in the terminal reaches only the
                    # parent, which then ends this process itself.
                    start_new_session=True,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    pass_fds=(status_write,),
                )
        finally:
            os.close(status_write)
        return process, status_read

    def _take_status(self, status_read: int) -> None:
        """Keep what the process got (see Isolation); raise LocalRunError if it cannot run."""
        # Written before the runtime client starts: there by now, or never.
        status = read_status(status_read)
        if status is not None and "error" in status:
            self._stop()
            raise LocalRunError(status["error"])
        self.isolation = Isolation.from_status(status) if status else None

    def _init_error(
        self, error: dict[str, Any] | None, returncode: int | None, log: str
    ) -> InitError:
        """Why the init phase ended without the runtime asking for an event: ``error`` it
        reported, the process exited (``returncode``), or neither in time."""
        if error is not None:
            return InitError(
                error_type=error.get("errorType", "Unknown"),
                error_message=error.get("errorMessage", ""),
                stack_trace=error.get("stackTrace", []),
                log=log,
            )
        if returncode is not None:
            return InitError(
                error_type="Runtime.ExitError",
                error_message=(
                    f"The runtime process exited with status {returncode} "
                    "before it asked for its first event."
                ),
                log=log,
            )
        return InitError(
            error_type="Sandbox.Timedout",
            error_message=f"The init phase took longer than {self.init_timeout:.0f} seconds.",
            log=log,
        )

    def _watch(self, process: subprocess.Popen[bytes], api: RuntimeAPI) -> None:
        returncode = process.wait()
        api.abandon(
            {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"Runtime exited with error: exit status {returncode}",
                "stackTrace": [],
            }
        )

    def _log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def _read_log(self, start: int) -> str:
        with self.log_path.open("rb") as f:
            f.seek(start)
            text = f.read().decode("utf-8", "replace")
        # awslambdaric keeps a multi-line error as one CloudWatch event by
        # using "\r" between lines and no-break spaces for indentation.
        return text.replace("\r", "\n").replace("\xa0", " ")

    def invoke(self, event: Any) -> InvokeResult:
        """Send ``event`` (JSON-serializable) through the runtime; wait for the result.

        A function error comes back in ``function_error``, as Lambda's Invoke
        returns it; a crash or timeout ends the process and the next
        invocation starts a new one.
        """
        data = json.dumps(event).encode()
        with self._lock:
            # A cold start: the init phase runs as part of this invocation.
            init_duration = None if self.alive else self._start()
            api = self.api
            assert api is not None
            log_start = self._log_size()
            started = time.monotonic()
            invocation = api.submit(data)
            finished = invocation.done.wait(self.timeout)
            duration = time.monotonic() - started
            if not finished:
                self._stop()
                invocation.error = self._timed_out(invocation)
            log = self._read_log(log_start)
        payload = None
        if invocation.error is None:
            assert invocation.response is not None
            payload = json.loads(invocation.response) if invocation.response else None
        result = InvokeResult(
            invocation.request_id, payload, invocation.error, duration, init_duration, log
        )
        if self.log_sink is not None:
            self.log_sink(result.request_id, result.log, result.report())
        return result

    def _timed_out(self, invocation: Invocation) -> dict[str, Any]:
        return {
            "errorType": "Sandbox.Timedout",
            "errorMessage": (
                f"RequestId: {invocation.request_id} Error: "
                f"Task timed out after {self.timeout:.2f} seconds"
            ),
            "stackTrace": [],
        }

    def _stop(self) -> None:
        process, api = self.process, self.api
        self.process = self.api = None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if api is not None:
            api.close()

    def close(self) -> None:
        """End the process and the Runtime API server, and remove the log file."""
        with self._lock:
            self._stop()
            self.log_path.unlink(missing_ok=True)
