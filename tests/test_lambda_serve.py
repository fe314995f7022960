"""lambda_serve end to end: a real server process, real HTTP requests, a clean stop."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.local_packages import HTTP_HANDLER, make_zip

ROOT = Path(__file__).resolve().parent.parent
BINARY = bytes(range(256))


class Server:
    """``manage.py lambda_serve`` in its own process, its output read line by line."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "django", "lambda_serve", "--port", "0", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for(r"Serving .* at (http://127\.0\.0\.1:\d+)/").group(1)

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
        host, port = urllib.parse.urlsplit(self.url).netloc.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
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


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return make_zip(tmp_path, HTTP_HANDLER)


@pytest.fixture
def server(package: Path) -> Iterator[Server]:
    server = Server("--package", str(package), "--concurrency", "2")
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


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


def test_get_post_binary_cookies_then_sigterm(server: Server) -> None:
    first_children = server.children()
    assert len(first_children) == 2

    status, headers, body = fetch(server, "/stars/?page=2")
    assert status == 200
    assert json.loads(body) == {
        "method": "GET",
        "path": "/stars/",
        "query": "page=2",
        "cookies": None,
        "form": {},
    }
    assert headers["Content-Type"] == ["application/json"]

    status, headers, body = fetch(server, "/vote/", data=b"star=42&star=7&note=hello+there")
    assert status == 201
    assert json.loads(body)["form"] == {"star": ["42", "7"], "note": ["hello there"]}
    assert json.loads(body)["method"] == "POST"

    # Requests take turns on the pool's processes.
    assert {int(headers["X-Pid"][0]), int(fetch(server, "/")[1]["X-Pid"][0])} == first_children

    status, headers, body = fetch(server, "/binary")
    assert (status, headers["Content-Type"], body) == (200, ["application/octet-stream"], BINARY)

    status, headers, body = fetch(server, "/cookies")
    assert status == 204
    assert headers["Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/", "c=3; Path=/; HttpOnly"]

    response, body = server.request("GET", "/echo", headers={"Cookie": "x=1; y=2; z=3"})
    assert response.status == 200
    assert json.loads(body)["cookies"] == ["x=1", "y=2", "z=3"]

    response, body = server.request("HEAD", "/binary")
    assert (response.status, response.getheader("Content-Length"), body) == (200, "256", b"")

    assert server.stop(signal.SIGTERM) == 0
    server.wait_for(r"^Stopping\.$")
    assert [pid for pid in first_children if not gone(pid)] == []


def test_a_crashed_process_is_replaced_and_ctrl_c_stops_all(server: Server) -> None:
    before = server.children()
    status, _, body = fetch(server, "/crash")
    assert (status, json.loads(body)) == (502, {"message": "Internal Server Error"})
    server.wait_for(r"Runtime\.ExitError: Runtime exited with error: exit status 1")
    # Both processes answer again; the crashed one was replaced by a new one.
    pids = {int(fetch(server, "/")[1]["X-Pid"][0]) for _ in range(2)}
    assert len(pids) == 2
    assert len(pids - before) == 1
    everything = before | server.children()

    status, _, body = fetch(server, "/fail")
    assert status == 502
    server.wait_for(r"^RuntimeError: the handler failed$")

    assert server.stop(signal.SIGINT) == 0
    assert [pid for pid in everything if not gone(pid)] == []


def test_alb_format_keeps_multi_value_cookies(package: Path) -> None:
    server = Server("--package", str(package), "--concurrency", "1", "--format", "alb")
    try:
        status, headers, _ = fetch(server, "/cookies")
        assert status == 204
        assert headers["Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/", "c=3; Path=/; HttpOnly"]
        children = server.children()
        assert len(children) == 1
    finally:
        assert server.stop(signal.SIGTERM) == 0
    assert [pid for pid in children if not gone(pid)] == []


def test_init_error_fails_before_listening(tmp_path: Path) -> None:
    broken = make_zip(tmp_path, "import stars_helpers\n", name="broken")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-m", "django", "lambda_serve", "--port", "0", "--package", str(broken)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1
    assert "Serving" not in completed.stdout
    assert (
        "CommandError: The function failed to initialize: Runtime.ImportModuleError: Unable to "
        "import module 'django_lambda.handler': No module named 'stars_helpers'"
    ) in completed.stderr
