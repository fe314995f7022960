"""moto's server on 127.0.0.1: one per project, started in the background, recorded in
``<project>/.lambda/sandbox.json`` (its log in ``.lambda/sandbox.log``), found again by
later commands while it answers, and stopped.

moto is run, never imported: the handler path must not pay for it, and a
site deployed to Lambda does not have it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from django_lambda.aws import clients
from django_lambda.configuration import DEFAULT_REGION

STATE_FILE = "sandbox.json"
LOG_FILE = "sandbox.log"
STATE_DIR = ".lambda"
# moto's server answers its own API here; a port reused by anything else does not.
HEALTH_PATH = "/moto-api/config"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
CODE_BUCKET = "django-lambda-sandbox-code"

# Set for the sandbox; the config-file variables point nowhere so that a
# developer's profiles (and any endpoint or credentials in them) are never read.
SANDBOX_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_SESSION_TOKEN": "sandbox",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


class SandboxError(Exception):
    """The sandbox cannot be started or used; the message says what to do."""


@dataclass(frozen=True)
class SandboxInfo:
    endpoint_url: str
    pid: int
    region: str
    # Filled in once the resources exist (not stored in sandbox.json).
    role_arn: str = ""
    code_bucket: str = CODE_BUCKET
    # False when this call started the server, True when it found one running.
    reused: bool = False

    def client(self, service_name: str) -> Any:
        """A boto3 client for ``service_name`` in the sandbox."""
        return clients.client(service_name, region=self.region, endpoint_url=self.endpoint_url)


def state_path(project_dir: Path) -> Path:
    return Path(project_dir) / STATE_DIR / STATE_FILE


def ensure_running(project_dir: Path) -> SandboxInfo:
    """The project's sandbox: the recorded one if it answers, else a new one."""
    state_dir = project_dir / STATE_DIR
    state_dir.mkdir(parents=True, exist_ok=True)
    # One sandbox per project, even when two commands start at once.
    with open(state_dir / "sandbox.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return running(project_dir) or _start(project_dir)


def running(project_dir: Path | str) -> SandboxInfo | None:
    """The sandbox recorded for ``project_dir`` if it still answers, else None.

    A record whose server no longer answers is removed.
    """
    path = state_path(Path(project_dir))
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError as error:
        raise SandboxError(
            f"{path} is not valid JSON ({error}); delete it and run the command again."
        ) from error
    info = SandboxInfo(
        endpoint_url=state["endpoint_url"], pid=state["pid"], region=DEFAULT_REGION, reused=True
    )
    if _answers(info.endpoint_url):
        return info
    if _is_sandbox_process(info.pid):
        # Alive but not answering: busy (a large upload), or still starting.
        # Give it the time a start gets, rather than leave it running orphaned.
        if _wait_until_answers(info.endpoint_url, lambda: _alive(info.pid)):
            return info
        _terminate(info.pid)
    path.unlink()
    return None


def stop(project_dir: Path | str) -> bool:
    """End the project's sandbox and forget it; False if none was recorded."""
    path = state_path(Path(project_dir))
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except ValueError:
        state = {}
    pid = state.get("pid")
    if isinstance(pid, int) and _is_sandbox_process(pid):
        _terminate(pid)
    path.unlink()
    return True


def _start(project_dir: Path) -> SandboxInfo:
    for module in ("moto", "flask"):
        if find_spec(module) is None:
            raise SandboxError(
                f"The sandbox needs moto's server, and {module!r} is not installed. "
                "Install django-lambda's 'sandbox' extra, or: pip install 'moto[server]'"
            )
    state_dir = project_dir / STATE_DIR
    port = _free_port()
    endpoint_url = f"http://127.0.0.1:{port}"
    log_path = state_dir / LOG_FILE
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=project_dir,
            env=_server_environment(),
            # Its own session: Ctrl-C in the terminal that started it, or that
            # terminal closing, does not end it; stop() does.
            start_new_session=True,
        )
    if not _wait_until_answers(endpoint_url, lambda: process.poll() is None):
        if process.poll() is not None:
            raise SandboxError(
                f"moto's server exited with status {process.returncode} before answering; "
                f"its log is {log_path}:\n{_tail(log_path)}"
            )
        _terminate(process.pid)
        raise SandboxError(
            f"moto's server did not answer on {endpoint_url} within {START_TIMEOUT:.0f} s; "
            f"its log is {log_path}:\n{_tail(log_path)}"
        )
    info = SandboxInfo(endpoint_url=endpoint_url, pid=process.pid, region=DEFAULT_REGION)
    state = {"endpoint_url": endpoint_url, "pid": process.pid}
    state_path(project_dir).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    # The server outlives this Popen object on purpose; mark it collected so
    # Python does not warn that it is "still running" at exit.
    process.returncode = 0
    return info


def _server_environment() -> dict[str, str]:
    """The server's environment: none of the developer's AWS settings (moto reads
    them too, and fails on a profile it cannot find), only the sandbox's."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    return {**environment, **SANDBOX_ENVIRONMENT}


def _answers(endpoint_url: str) -> bool:
    try:
        with urllib.request.urlopen(endpoint_url + HEALTH_PATH, timeout=2) as response:
            json.loads(response.read())
            return bool(200 <= response.status < 300)
    except (OSError, ValueError):
        return False


def _wait_until_answers(endpoint_url: str, alive: Callable[[], bool]) -> bool:
    """Poll until the server answers (True), dies or START_TIMEOUT passes (False)."""
    deadline = time.monotonic() + START_TIMEOUT
    while alive() and time.monotonic() < deadline:
        if _answers(endpoint_url):
            return True
        time.sleep(0.1)
    return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _is_sandbox_process(pid: int) -> bool:
    """Whether ``pid`` still is a moto server (pids get reused)."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        return b"moto.server" in cmdline.read_bytes()
    # No /proc (macOS): all that can be checked is that it exists.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _terminate(pid: int) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it lingers."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)
    raise SandboxError(f"The sandbox server (pid {pid}) did not end; end it by hand.")


def _alive(pid: int) -> bool:
    # Reap it if this process started it, so that it does not linger as a zombie.
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
