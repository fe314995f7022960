"""Running a built package locally, as Lambda runs it, under AWS's own runtime client.

Two parts:

- :class:`RuntimeAPI`, a small implementation of the Lambda Runtime API
  (version 2018-06-01) on 127.0.0.1, served from a thread. It is what
  ``awslambdaric`` talks to instead of Lambda's own service.
  https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
- :class:`LocalFunction`, one execution environment: the package unpacked
  into a directory, and a fresh Python process whose import path holds only
  that directory and the runtime client, running
  ``python -m awslambdaric django_lambda.handler.lambda_handler``. So a
  dependency missing from the package fails here exactly as it would on Lambda.

Also :class:`FunctionPool` and :func:`serve` (``lambda_serve``). The
functions at the end, :func:`function_options` and :func:`local_package`,
turn a :class:`~django_lambda.conf.DeployConfig` into what the rest takes as
arguments.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import http.server
import importlib.metadata
import itertools
import json
import logging
import os
import platform
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django_lambda import front_door, http_events
from django_lambda.conf import DEFAULT_REGION, HANDLER, SETTING_NAME, local_runtime
from django_lambda.configuration import DeployConfig
from django_lambda.progress import Say, quiet

logger = logging.getLogger(__name__)

RUNTIME_CLIENT = "awslambdaric"
LOCAL_ACCOUNT_ID = "000000000000"

# Unpacked packages kept under .lambda/unpacked/ (the newest ones).
KEEP_UNPACKED = 2

# The process exits right after posting an init error; this bounds how long
# an init may take before we give up waiting for either outcome.
DEFAULT_INIT_TIMEOUT = 60.0

# Runs first in the function's process (see its docstring). ``-I -S`` gives an
# interpreter that reads no PYTHON* variable, adds no site-packages and not the
# script's directory, so sys.path is the standard library plus exactly what it prepends.
FUNCTION_PROCESS = Path(__file__).resolve().with_name("function_process.py")

# Lambda's default ephemeral storage, the size of a function's own /tmp.
TMP_SIZE = "512m"

# Who a function runs as when the command runs as root (Lambda never runs code as root).
_NOBODY = 65534


class LocalRunError(Exception):
    """The package cannot be run locally; the message says why and what to do."""


class InitError(LocalRunError):
    """The function failed in its init phase, as Lambda would report it."""

    def __init__(
        self,
        *,
        error_type: str,
        error_message: str,
        stack_trace: Sequence[str] = (),
        log: str = "",
    ) -> None:
        self.error_type = error_type
        self.error_message = error_message
        self.stack_trace = list(stack_trace)
        self.log = log
        self.missing_module = missing_module(error_message)
        message = f"The function failed to initialize: {error_type}: {error_message}"
        if self.missing_module:
            message += (
                f"\nThe package has no module {self.missing_module!r}: add the "
                "distribution that provides it to the requirements file and build "
                "again (if it is there, it may be a wheel for another platform)."
            )
        super().__init__(message)


def missing_module(error_message: str) -> str | None:
    """The module named by an ImportError's message, if the message has one."""
    match = re.search(r"No module named '([^']+)'", error_message)
    return match.group(1) if match else None


@dataclass
class Invocation:
    """One event on its way through the Runtime API."""

    request_id: str
    payload: bytes
    deadline_ms: int
    done: threading.Event = field(default_factory=threading.Event)
    response: bytes | None = None
    # The body the runtime posted to /error (errorType, errorMessage, stackTrace).
    error: dict[str, Any] | None = None


class RuntimeAPI:
    """The Lambda Runtime API for one execution environment, on 127.0.0.1.

    ``submit()`` queues an event; the runtime's ``GET .../invocation/next``
    receives it; its ``POST .../response`` or ``.../error`` completes it.
    Each environment has its own server, so it never sees another's events.
    """

    def __init__(self, *, function_arn: str, timeout: float) -> None:
        self.function_arn = function_arn
        self.timeout = timeout
        self._changed = threading.Condition()
        self._queue: list[Invocation] = []
        self._by_id: dict[str, Invocation] = {}
        self.next_calls = 0
        self.init_error: dict[str, Any] | None = None
        self._server = _RuntimeServer(("127.0.0.1", 0), _RuntimeRequestHandler)
        self._server.api = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="lambda-runtime-api",
            daemon=True,
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """host:port, the value of ``AWS_LAMBDA_RUNTIME_API``."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._changed:
            self._changed.notify_all()

    def submit(self, payload: bytes) -> Invocation:
        invocation = Invocation(
            request_id=str(uuid.uuid4()),
            payload=payload,
            deadline_ms=int((time.time() + self.timeout) * 1000),
        )
        with self._changed:
            self._by_id[invocation.request_id] = invocation
            self._queue.append(invocation)
            self._changed.notify_all()
        return invocation

    def wait(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        """Wait until ``predicate()`` is true (re-checked on every state change)."""
        with self._changed:
            return bool(self._changed.wait_for(predicate, timeout))

    # Called from the server's threads.

    def next_invocation(self) -> Invocation | None:
        with self._changed:
            self.next_calls += 1
            self._changed.notify_all()
            while not self._queue:
                if not self._changed.wait(timeout=1.0) and self._server.closing:
                    return None
            return self._queue.pop(0)

    def complete(
        self, request_id: str, *, response: bytes | None, error: dict[str, Any] | None
    ) -> bool:
        with self._changed:
            invocation = self._by_id.pop(request_id, None)
            if invocation is None:
                return False
            invocation.response = response
            invocation.error = error
            invocation.done.set()
            self._changed.notify_all()
            return True

    def fail_init(self, error: dict[str, Any]) -> None:
        with self._changed:
            self.init_error = error
            self._changed.notify_all()

    def abandon(self, error: dict[str, Any]) -> None:
        """Complete every invocation still open with ``error`` (the process is gone)."""
        with self._changed:
            for invocation in self._by_id.values():
                invocation.error = error
                invocation.done.set()
            self._by_id.clear()
            self._queue.clear()
            self._changed.notify_all()


class _RuntimeServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    api: RuntimeAPI
    closing = False

    def shutdown(self) -> None:
        self.closing = True
        super().shutdown()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The runtime process going away mid-request is routine (crash, timeout, close).
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("runtime api: connection from %s dropped", client_address)
        else:
            super().handle_error(request, client_address)


_PREFIX = "/2018-06-01/runtime"
_INVOCATION_PATH = re.compile(rf"^{_PREFIX}/invocation/([^/]+)/(response|error)$")


class _RuntimeRequestHandler(http.server.BaseHTTPRequestHandler):
    # Headers and body go out in separate writes: without this, Nagle's
    # algorithm and delayed ACKs add ~40 ms to every keep-alive exchange.
    disable_nagle_algorithm = True
    # awslambdaric's HTTP client waits forever on an HTTP/1.0 reply; 1.1
    # needs Content-Length on every response to keep the connection usable.
    protocol_version = "HTTP/1.1"
    server: _RuntimeServer

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("runtime api: " + format, *args)

    def _reply(
        self, status: int, body: Mapping[str, Any] | bytes, headers: Mapping[str, str] | None = None
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        api = self.server.api
        if self.path != f"{_PREFIX}/invocation/next":
            self._reply(404, {"errorType": "NotFound", "errorMessage": self.path})
            return
        invocation = api.next_invocation()
        if invocation is None:
            self._reply(503, {"errorType": "ServiceUnavailable", "errorMessage": "shutting down"})
            return
        self._reply(
            200,
            invocation.payload,
            {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                "Lambda-Runtime-Trace-Id": _trace_id(),
            },
        )

    def do_POST(self) -> None:
        api = self.server.api
        body = self._body()
        if self.path == f"{_PREFIX}/init/error":
            api.fail_init(_error_body(body, self.headers.get("Lambda-Runtime-Function-Error-Type")))
            self._reply(202, {"status": "OK"})
            return
        match = _INVOCATION_PATH.match(self.path)
        if not match:
            self._reply(404, {"errorType": "NotFound", "errorMessage": self.path})
            return
        request_id, kind = match.groups()
        if kind == "response":
            known = api.complete(request_id, response=body, error=None)
        else:
            error = _error_body(body, self.headers.get("Lambda-Runtime-Function-Error-Type"))
            known = api.complete(request_id, response=None, error=error)
        if known:
            self._reply(202, {"status": "OK"})
        else:
            self._reply(
                400,
                {
                    "errorType": "InvalidRequestID",
                    "errorMessage": f"unknown request id {request_id}",
                },
            )


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0"


def _error_body(body: bytes, error_type: str | None) -> dict[str, Any]:
    try:
        error = json.loads(body)
    except ValueError:
        error = None
    if not isinstance(error, dict):
        error = {"errorMessage": body.decode("utf-8", "replace")}
    error.setdefault("errorType", error_type or "Unknown")
    error.setdefault("stackTrace", [])
    return error


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


def unpack(zip_path: Path, root: Path | None = None) -> Path:
    """Unpack ``zip_path`` once into a directory named after its SHA-256; return it.

    The same bytes always map to the same directory, so a rebuilt package is
    never mixed with an older one, and an unchanged one is not unpacked again.
    """
    zip_path = Path(zip_path).absolute()
    if not zip_path.is_file():
        raise LocalRunError(f"No package at {zip_path}: build it first (lambda_deploy builds it).")
    from django_lambda.package import code_sha256, sha256_hex

    root = Path(root).absolute() if root else zip_path.parent / "unpacked"
    target = root / sha256_hex(code_sha256(zip_path))[:16]
    if target.is_dir():
        if target.stat().st_mode & 0o222:  # unpacked by a version that left it writable
            _read_only(target)
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=root))
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for info in archive.infolist():
                path = Path(archive.extract(info, staging))
                # zipfile drops permissions; Lambda keeps them (executables in
                # packages, and a file that only its owner may read stays so).
                mode = (info.external_attr >> 16) & 0o777
                if not info.is_dir():
                    path.chmod(mode or 0o644)
        _read_only(staging)
        staging.rename(target)
    except OSError:
        _remove_tree(staging)
        if not target.is_dir():  # another process may have won the race
            raise
    _prune_unpacked(root, keep=KEEP_UNPACKED)
    return target


def _read_only(directory: Path) -> None:
    """Take every write permission away under ``directory``, as on Lambda's /var/task
    (where no mount can make it read-only, this is what does)."""
    for parent, dirs, files in os.walk(directory, topdown=False):
        for name in files:
            path = os.path.join(parent, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode & 0o555)
        for name in dirs:
            path = os.path.join(parent, name)
            if not os.path.islink(path):
                os.chmod(path, 0o555)
    os.chmod(directory, 0o555)


def _remove_tree(directory: Path) -> None:
    """``shutil.rmtree``, for a tree whose directories are read-only."""
    for parent, dirs, _ in os.walk(directory):
        with contextlib.suppress(OSError):
            os.chmod(parent, 0o755)
        for name in dirs:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(parent, name), 0o755)
    shutil.rmtree(directory, ignore_errors=True)


def _prune_unpacked(root: Path, *, keep: int) -> None:
    """Remove all but the ``keep`` most recently unpacked packages under ``root``.

    More than one is kept: a ``lambda_serve`` started before the last build
    may still be running the previous one.
    """
    unpacked = [p for p in root.iterdir() if p.is_dir() and re.fullmatch(r"[0-9a-f]{16}", p.name)]
    unpacked.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in unpacked[keep:]:
        _remove_tree(old)


def _top_level_entries(dist: importlib.metadata.Distribution) -> set[Path]:
    entries = set()
    for file in dist.files or ():
        first = file.parts[0]
        if first in ("..", "__pycache__") or first.endswith((".dist-info", ".egg-info")):
            continue
        entries.add(Path(str(dist.locate_file(first))))
    return entries


def _requirement_names(dist: importlib.metadata.Distribution) -> list[str]:
    names = []
    for requirement in dist.requires or ():
        if "extra ==" in requirement.replace('"', "").replace("'", ""):
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if match:
            names.append(match.group(1))
    return names


def runtime_entries(distributions: Sequence[str] = (RUNTIME_CLIENT,)) -> list[Path]:
    """The installed top-level modules of ``distributions`` and everything they require.

    Only these go on the function's import path next to the package: not the
    whole site-packages they were installed into.
    """
    from django_lambda.package import canonical_name

    seen: set[str] = set()
    entries: set[Path] = set()
    pending = list(distributions)
    while pending:
        name = pending.pop()
        key = canonical_name(name)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            if name == RUNTIME_CLIENT:
                raise LocalRunError(
                    "The AWS Lambda runtime client is not installed: "
                    "pip install awslambdaric (django-lambda's 'local' extra)."
                ) from None
            continue  # a requirement for another platform or Python
        entries |= _top_level_entries(dist)
        pending.extend(_requirement_names(dist))
    return sorted(entries)


def runtime_dir(root: Path, distributions: Sequence[str] = (RUNTIME_CLIENT,)) -> Path:
    """A directory of links to :func:`runtime_entries`: Lambda's ``/var/runtime``."""
    entries = runtime_entries(distributions)
    key = hashlib.sha256("\n".join(map(str, entries)).encode()).hexdigest()[:16]
    target = Path(root) / f"runtime-{key}"
    if target.is_dir():
        # Readable by the user a function runs as (older versions left it 0700).
        target.chmod(0o755)
        return target
    Path(root).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".runtime-", dir=root))
    for entry in entries:
        (staging / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    staging.chmod(0o755)
    try:
        staging.rename(target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not target.is_dir():
            raise
    return target


def local_architecture() -> str:
    """This machine's CPU as a Lambda architecture name (``x86_64`` or ``arm64``)."""
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(machine, machine)


def platform_mismatch(runtime: str, architecture: str) -> str | None:
    """A warning when the package targets another Python or CPU than this machine's."""
    here, machine = local_runtime(), local_architecture()
    differences = []
    if runtime != here:
        differences.append(
            f"Python {runtime.removeprefix('python')} (here: {here.removeprefix('python')})"
        )
    if architecture != machine:
        differences.append(f"{architecture} (here: {machine})")
    if not differences:
        return None
    return (
        f"The package targets {' and '.join(differences)}: native wheels in it "
        "may not load locally, although they will on Lambda. Running it anyway."
    )


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


@dataclass(frozen=True)
class Isolation:
    """How a function's process runs, next to how Lambda runs code."""

    uid: int
    # "mount": the task root is a read-only mount (writes fail with EROFS, as on
    # Lambda); "permissions": it is only without write permissions (EACCES).
    read_only: str
    # Whether /tmp is the process's own, or the machine's.
    private_tmp: bool
    # Why the machine refused a mount namespace, when it did.
    refused: str | None = None

    @classmethod
    def from_status(cls, status: Mapping[str, Any]) -> Isolation:
        return cls(
            uid=int(status["uid"]),
            read_only=str(status["read_only"]),
            private_tmp=status["tmp"] == "private",
            refused=status.get("refused"),
        )

    def describe(self) -> str:
        try:
            import pwd

            user = f"{pwd.getpwuid(self.uid).pw_name} (uid {self.uid})"
        except (ImportError, KeyError):
            user = f"uid {self.uid}"
        if self.read_only == "mount":
            return (
                f"The function runs as {user}, its task root a read-only file system "
                "and /tmp its own, as on Lambda."
            )
        return (
            f"The function runs as {user}; its task root is read-only by permissions only "
            "(writes fail with 'Permission denied', not Lambda's 'Read-only file system') "
            f"and /tmp is this machine's: no private mount namespace here ({self.refused})."
        )


def unprivileged_user() -> list[int]:
    """The uid and gid a function runs as when the command runs as root: nobody's."""
    try:
        import pwd

        nobody = pwd.getpwnam("nobody")
    except (ImportError, KeyError):
        return [_NOBODY, _NOBODY]
    return [nobody.pw_uid, nobody.pw_gid]


def _read_status(fd: int) -> dict[str, Any] | None:
    """The JSON line function_process.py wrote, or None if it wrote none."""
    with os.fdopen(fd, "rb") as pipe:
        data = pipe.read()
    try:
        status = json.loads(data)
    except ValueError:
        return None
    return status if isinstance(status, dict) else None


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

    def environ(self, api_address: str) -> dict[str, str]:
        """The process environment, with the variables Lambda sets for a function."""
        env = {
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
            "AWS_LAMBDA_RUNTIME_API": api_address,
        }
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
        # A file, not a pipe: whatever the function printed before posting its
        # result is in the file by the time the result arrives.
        status_read, status_write = os.pipe()
        try:
            with self.log_path.open("ab") as log_file:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-I",
                        "-S",
                        "-B",
                        "-u",
                        str(FUNCTION_PROCESS),
                        json.dumps(self._process_config(status_write)),
                        self.handler,
                    ],
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
        self.process, self.api = process, api
        threading.Thread(target=self._watch, args=(process, api), daemon=True).start()
        finished = api.wait(
            lambda: api.next_calls > 0 or api.init_error is not None or process.poll() is not None,
            self.init_timeout,
        )
        duration = time.monotonic() - started
        if not finished:
            self._stop()
        # Written before the runtime client starts: there by now, or never.
        status = _read_status(status_read)
        if status is not None and "error" in status:
            self._stop()
            raise LocalRunError(status["error"])
        self.isolation = Isolation.from_status(status) if status else None
        if api.next_calls > 0:
            return duration
        self._stop()
        log = self._read_log(log_start)
        if api.init_error is not None:
            error = api.init_error
            raise InitError(
                error_type=error.get("errorType", "Unknown"),
                error_message=error.get("errorMessage", ""),
                stack_trace=error.get("stackTrace", []),
                log=log,
            )
        if finished:
            raise InitError(
                error_type="Runtime.ExitError",
                error_message=(
                    f"The runtime process exited with status {process.returncode} "
                    "before it asked for its first event."
                ),
                log=log,
            )
        raise InitError(
            error_type="Sandbox.Timedout",
            error_message=f"The init phase took longer than {self.init_timeout:.0f} seconds.",
            log=log,
        )

    def _process_config(self, status_fd: int) -> dict[str, Any]:
        """What function_process.py needs to set the process up (see its ``isolate``)."""
        # Read after the process gives up root: the runtime client (the links in
        # the runtime directory lead to where it is installed) and the standard library.
        expose = {str(self.runtime_dir)}
        expose.update(os.path.realpath(entry) for entry in self.runtime_dir.iterdir())
        expose.update(os.path.realpath(p) for p in (sys.base_prefix, sys.base_exec_prefix))
        return {
            "path": [str(self.task_root), str(self.runtime_dir)],
            "task_root": str(self.task_root),
            "expose": sorted(expose),
            "user": unprivileged_user(),
            "tmp_size": TMP_SIZE,
            "mount_namespace": self.mount_namespace,
            "status_fd": status_fd,
        }

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
        payload = json.dumps(event).encode()
        with self._lock:
            # A cold start: the init phase runs as part of this invocation.
            init_duration = None if self.alive else self._start()
            api = self.api
            assert api is not None
            log_start = self._log_size()
            started = time.monotonic()
            invocation = api.submit(payload)
            finished = invocation.done.wait(self.timeout)
            duration = time.monotonic() - started
            if not finished:
                self._stop()
                invocation.error = {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": (
                        f"RequestId: {invocation.request_id} Error: "
                        f"Task timed out after {self.timeout:.2f} seconds"
                    ),
                    "stackTrace": [],
                }
            log = self._read_log(log_start)
        if invocation.error is not None:
            return InvokeResult(
                invocation.request_id, None, invocation.error, duration, init_duration, log
            )
        assert invocation.response is not None
        return InvokeResult(
            invocation.request_id,
            json.loads(invocation.response) if invocation.response else None,
            None,
            duration,
            init_duration,
            log,
        )

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


class FunctionPool:
    """Several execution environments for one package, each busy with one event at a time.

    Like Lambda's concurrency: an event waits for a free environment; an
    environment whose process crashed starts a new one on its next event.
    """

    def __init__(self, package: Path, *, size: int = 2, **function_options: Any) -> None:
        if size < 1:
            raise ValueError(f"A pool needs at least one function, not {size}.")
        package = Path(package)
        task_root = package if package.is_dir() else unpack(package)
        self.functions = [LocalFunction(task_root, **function_options) for _ in range(size)]
        self._free: queue.SimpleQueue[LocalFunction] = queue.SimpleQueue()
        for function in self.functions:
            self._free.put(function)

    def __enter__(self) -> FunctionPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> list[float]:
        """Run every environment's init phase now; return their durations."""
        return [function.start() for function in self.functions]

    def invoke(self, event: Any) -> InvokeResult:
        function = self._free.get()
        try:
            return function.invoke(event)
        finally:
            self._free.put(function)

    def pids(self) -> list[int]:
        return [f.process.pid for f in self.functions if f.process is not None]

    def close(self) -> None:
        for function in self.functions:
            function.close()


# Hop-by-hop headers are the server's business, not the function's.
_HOP_BY_HOP = {"connection", "content-length", "keep-alive", "transfer-encoding", "upgrade"}


class LocalServer(http.server.ThreadingHTTPServer):
    """An HTTP server on the local machine that sends each request through a pool.

    A request becomes the event that ``event_format``'s front door would send,
    and the function's result goes back the way that front door returns it.
    """

    daemon_threads = True
    # socketserver's backlog of 5 drops connections from a burst of clients,
    # which then wait a second to retry; the kernel caps this at somaxconn.
    request_queue_size = socket.SOMAXCONN

    def __init__(
        self,
        address: tuple[str, int],
        pool: FunctionPool,
        *,
        event_format: str = "v2",
        public_host: str | None = None,
        say: Say = quiet,
    ) -> None:
        http_events.check_format(event_format)
        self.pool = pool
        self.event_format = event_format
        # Each request reaches the function as if through its URL on this host.
        self.public = front_door.PublicOrigin(public_host) if public_host else None
        self.say = say
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _LocalRequestHandler)

    @property
    def url(self) -> str:
        address, port = self.server_address[:2]
        host = str(address)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _LocalRequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: LocalServer

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("lambda_serve: " + format, *args)

    def version_string(self) -> str:
        return "django-lambda lambda_serve"

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        server = self.server
        headers = [
            (name, value) for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP
        ]
        # The origin the browser sees: this server, under the name it used.
        local_origin = "http://" + str(self.headers.get("Host") or server.url.partition("//")[2])
        if server.public is not None:
            headers = server.public.to_function(headers, local_origin)
        event = http_events.make_event(
            format=server.event_format,
            method=self.command,
            path=self.path,
            headers=headers,
            body=self._read_body(),
            source_ip=self.client_address[0],
        )
        try:
            result = server.pool.invoke(event)
        except InitError as error:
            server.say(str(error))
            server.say(error.log)
            self._send(_gateway_error())
            return
        if result.log:
            server.say(result.log.rstrip("\n"))
        report = f"Duration: {result.duration * 1000:.2f} ms"
        if result.init_duration is not None:
            report += f"  Init Duration: {result.init_duration * 1000:.2f} ms"
        if result.function_error is not None:
            server.say(format_function_error(result.function_error))
            response = _gateway_error()
        else:
            try:
                response = http_events.read_result(result.payload, format=server.event_format)
            except http_events.MalformedResult as error:
                server.say(f"Malformed result from the function: {error}")
                response = _gateway_error()
            else:
                if server.public is not None:
                    headers = server.public.to_browser(response.headers, local_origin)
                    response = dataclasses.replace(response, headers=headers)
        server.say(
            f"[{self.log_date_time_string()}] "
            f'"{self.requestline}" {response.status} {len(response.body)}  {report}'
        )
        self._send(response)

    def _send(self, response: http_events.HTTPResult) -> None:
        self.send_response(response.status, response.reason)
        for name, value in response.headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


def _gateway_error() -> http_events.HTTPResult:
    # What API Gateway and Function URLs answer when the function fails.
    body = b'{"message":"Internal Server Error"}'
    return http_events.HTTPResult(502, "Bad Gateway", [("Content-Type", "application/json")], body)


def format_function_error(error: Mapping[str, Any]) -> str:
    """errorType: errorMessage, then the stack, as Lambda's console shows a function error."""
    lines = [f"{error.get('errorType', 'Unknown')}: {error.get('errorMessage', '')}"]
    stack = error.get("stackTrace") or []
    if stack:
        lines.append("Traceback (most recent call last):")
        lines.extend(str(frame).rstrip("\n") for frame in stack)
    return "\n".join(lines)


def serve(
    package: Path,
    addr: str = "127.0.0.1",
    port: int = 8000,
    *,
    concurrency: int = 2,
    event_format: str = "v2",
    public_host: str | None = None,
    say: Say = quiet,
    **function_options: Any,
) -> None:
    """Serve ``package`` (a zip or an unpacked directory) over HTTP until interrupted.

    Starts ``concurrency`` environments first (an init error raises
    :class:`InitError` before anything listens), then serves until SIGINT
    or SIGTERM, and ends every process it started before returning. With
    ``public_host``, requests reach the function as through its URL on that
    host (see :class:`front_door.PublicOrigin`).
    """
    pool = FunctionPool(package, size=concurrency, **function_options)
    server: LocalServer | None = None
    try:
        with _signals(sigterm=_interrupt):
            try:
                inits = pool.start()
                server = LocalServer(
                    (addr, port),
                    pool,
                    event_format=event_format,
                    public_host=public_host,
                    say=say,
                )
                say(
                    f"{concurrency} function process(es) ready (init "
                    + ", ".join(f"{d * 1000:.0f} ms" for d in inits)
                    + f"), pids {', '.join(map(str, pool.pids()))}"
                )
                isolation = pool.functions[0].isolation
                if isolation is not None:
                    say(isolation.describe())
                if server.public is not None:
                    say(
                        f"Requests reach the function as {server.public.url}/... "
                        "(Host, Origin, Referer and Location mapped to and from this server)."
                    )
                say(f"Serving {package} at {server.url}/ (Ctrl-C to stop)")
                server.serve_forever(poll_interval=0.2)
            except KeyboardInterrupt:
                say("Stopping.")
    finally:
        # A second Ctrl-C must not leave processes behind half-way through.
        with _signals(sigint=signal.SIG_IGN, sigterm=signal.SIG_IGN):
            if server is not None:
                server.server_close()
            pool.close()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals(
    *, sigint: Any = signal.default_int_handler, sigterm: Any = signal.SIG_DFL
) -> Iterator[None]:
    """Handle SIGINT and SIGTERM as given, then restore (signals exist in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, sigint),
        signal.SIGTERM: signal.signal(signal.SIGTERM, sigterm),
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# The bridge to the deploy's configuration.

PACKAGE_NAME = "package.zip"


def function_options(config: DeployConfig) -> dict[str, Any]:
    """:class:`LocalFunction` keyword arguments for ``config``'s function."""
    from django_lambda import aws

    environment = dict(config.environment)
    if "DJANGO_SETTINGS_MODULE" not in environment:
        # The same module lambda_deploy gives the deployed function.
        try:
            environment["DJANGO_SETTINGS_MODULE"] = aws.settings_module()
        except aws.DeployError as error:
            raise LocalRunError(str(error)) from None
    wrong = sorted(name for name, value in environment.items() if not isinstance(value, str))
    if wrong:
        raise LocalRunError(
            f"{SETTING_NAME}['ENVIRONMENT'] values must be strings, as Lambda's are: fix {wrong}."
        )
    runtime_distributions = [RUNTIME_CLIENT]
    if config.exclude_runtime_packages:
        # Left out of the package because Lambda's runtime provides them:
        # provide them here too, as the runtime's directory does on Lambda.
        runtime_distributions += config.runtime_packages
    return {
        "function_name": config.local_name,
        "environment": environment,
        "region": config.named_region,
        "runtime": config.runtime,
        "architecture": config.architecture,
        "memory_size": config.memory_size,
        "timeout": config.timeout,
        "runtime_distributions": runtime_distributions,
    }


def _newest_input(config: DeployConfig) -> float:
    """The newest modification time among the files a build would put in the package,
    and the project directories that hold them."""
    from django_lambda import package

    project_dir = config.project_dir.resolve()
    # The build's own selection, so that what is checked is exactly what ships.
    files = package.project_files(config, skip=(config.build_dir.resolve(),), say=quiet)
    paths = {*files.values(), *package.own_source().values()}
    # A deleted file leaves no mtime behind, but its directory's changes.
    paths |= {
        parent
        for path in files.values()
        for parent in path.parents
        if parent.is_relative_to(project_dir)
    }
    newest = 0.0
    for path in paths:
        with contextlib.suppress(OSError):
            newest = max(newest, path.stat().st_mtime)
    return newest


def local_package(config: DeployConfig, *, say: Say = quiet) -> Path:
    """``config``'s package zip: the built one if it is newer than every project file,
    else a fresh build, static manifest included (collected without AWS)."""
    from django_lambda import function_env

    zip_path = config.build_dir / PACKAGE_NAME
    if zip_path.is_file():
        if zip_path.stat().st_mtime >= _newest_input(config):
            return zip_path
        say(f"{zip_path} is older than the project's files: building it again.")
    else:
        say(f"No package at {zip_path}: building it.")
    return function_env.build_with_static(config, say=say)
