"""lambda_serve end to end: a real server process, real HTTP requests, a clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.local_packages import HTTP_HANDLER, make_zip
from tests.serving import ROOT, Server, fetch, gone

BINARY = bytes(range(256))


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


@pytest.mark.parametrize("event_format", ["v1", "alb"])
def test_multi_value_formats_keep_every_cookie(package: Path, event_format: str) -> None:
    server = Server("--package", str(package), "--concurrency", "1", "--format", event_format)
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


def test_port_in_use_is_a_command_error_and_leaves_no_process(package: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError) as caught:
            call_command("lambda_serve", "--port", str(port), "--package", str(package))
    assert str(caught.value).startswith(f"Cannot serve {package} on 127.0.0.1:{port}: ")
    assert "Address already in use" in str(caught.value)
    assert [p for p in Path("/proc").iterdir() if _is_child(p)] == []


def _is_child(entry: Path) -> bool:
    try:
        return f"\nPPid:\t{os.getpid()}\n" in (entry / "status").read_text()
    except OSError:
        return False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--concurrency", "0"), "--concurrency must be 1 or more, not 0."),
        (("--port", "70000"), "--port must be between 0 and 65535, not 70000."),
    ],
)
def test_bad_options(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("lambda_serve", *args)
    assert str(caught.value) == message
