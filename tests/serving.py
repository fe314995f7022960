"""lambda_serve in its own process, for the tests: start it, talk HTTP to it, stop it."""

from __future__ import annotations

import http.client
import os
import queue
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Server:
    """``manage.py lambda_serve`` in its own process, its output read line by line."""

    def __init__(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        listen: tuple[str, ...] = ("--port", "0"),
        cwd: Path = ROOT,
    ) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "lambda_serve", *listen, *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for(r"Serving .* at (http://\S+:\d+)/ \(Ctrl-C to stop\)").group(1)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str) -> re.Match[str]:
        while True:
            try:
                line = self.lines.get(timeout=60)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} in {self.output}") from None
            self.output.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def children(self) -> set[int]:
        """The pids whose parent is the server process (read from /proc)."""
        pids = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{self.process.pid}\n" in status:
                pids.add(int(entry.name))
        return pids

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        url = urllib.parse.urlsplit(self.url)
        assert url.hostname is not None and url.port is not None
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def fetch(
    server: Server, path: str, data: bytes | None = None
) -> tuple[int, dict[str, list[str]], bytes]:
    request = urllib.request.Request(server.url + path, data=data)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            headers: dict[str, list[str]] = {}
            for name, value in response.headers.items():
                headers.setdefault(name, []).append(value)
            return response.status, headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {}, error.read()


def sandbox_processes(project: Path) -> list[int]:
    """The pids of moto servers running in ``project`` (Linux: read from /proc)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if (
                proc.name.isdigit()
                and b"moto.server" in (proc / "cmdline").read_bytes()
                and (proc / "cwd").resolve() == project.resolve()
            ):
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids
