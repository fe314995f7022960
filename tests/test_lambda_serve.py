"""lambda_serve end to end: a real server process, real HTTP requests, a clean stop."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from django_lambda import local
from django_lambda.management.commands import lambda_serve
from tests.local_packages import HTTP_HANDLER, make_zip
from tests.serving import ROOT, Server, fetch, gone

pytestmark = pytest.mark.slow

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
        (("--port", "70000"), "The port must be between 0 and 65535, not 70000."),
        (("70000",), "The port must be between 0 and 65535, not 70000."),
        (("localhost",), "'localhost' is not a valid port number or address:port pair."),
        (("[::1]",), "'[::1]' is not a valid port number or address:port pair."),
        (
            ("8080", "--port", "8081"),
            "Give the address either as '8080' or with --addr/--port, not both.",
        ),
    ],
)
def test_bad_options(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("lambda_serve", *args)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("args", "address"),
    [
        ((), ("127.0.0.1", 8000)),
        (("8080",), ("127.0.0.1", 8080)),
        (("0.0.0.0:8000",), ("0.0.0.0", 8000)),
        (("localhost:9000",), ("localhost", 9000)),
        (("[::1]:8000",), ("::1", 8000)),
        (("[::]:0",), ("::", 0)),
        (("-6",), ("::1", 8000)),
        (("-6", "8001"), ("::1", 8001)),
        (("--addr", "0.0.0.0", "--port", "9"), ("0.0.0.0", 9)),
    ],
)
def test_addrport_as_runserver_takes_it(args: tuple[str, ...], address: tuple[str, int]) -> None:
    command = lambda_serve.Command()
    options = command.create_parser("manage.py", "lambda_serve").parse_args(args)
    assert (
        command.address(options.addrport, options.use_ipv6, options.addr, options.port) == address
    )


def test_ipv6_and_a_relative_package_path(package: Path) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    # runserver's form of the address; the package named relative to the working directory.
    server = Server(
        "--package", package.name, "--concurrency", "1", listen=("[::1]:0",), cwd=package.parent
    )
    try:
        assert server.url.startswith("http://[::1]:")
        status, _, body = fetch(server, "/ipv6")
        assert (status, json.loads(body)["path"]) == (200, "/ipv6")
    finally:
        assert server.stop(signal.SIGTERM) == 0


def test_a_burst_of_connections_waits_in_the_listen_queue(package: Path) -> None:
    # Nothing accepts: every connection the kernel completes waits in the backlog.
    # socketserver's default of 5 would leave the 7th hanging on SYN retries.
    pool = local.FunctionPool(package, size=1)
    with local.LocalServer(("127.0.0.1", 0), pool) as server:
        port = server.server_address[1]
        connections = []
        try:
            for _ in range(100):
                connections.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        finally:
            for connection in connections:
                connection.close()
    pool.close()
    assert len(connections) == 100


def test_requests_reach_the_function_as_through_its_url(server: Server) -> None:
    local_origin = server.url
    response, body = server.request(
        "GET",
        "/headers",
        headers={
            "Origin": local_origin,
            "Referer": f"{local_origin}/form/?a=1",
            "X-Forwarded-Proto": "http",
            "Accept": "text/html",
        },
    )
    headers = json.loads(body)
    host = headers["host"]
    # The made-up host of the function's form (no URL here), its region the test's.
    assert re.fullmatch(r"[0-9a-f]{32}\.lambda-url\.us-east-1\.on\.aws", host)
    assert headers == {
        "host": host,
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
        "origin": f"https://{host}",
        "referer": f"https://{host}/form/?a=1",
        "accept": "text/html",
        "accept-encoding": "identity",
    }
    # Said before it serves.
    assert f"Requests reach the function as https://{host}/... (Host, Origin, Referer and " in (
        "\n".join(server.output)
    )

    # Another site's origin is left as it is (CSRF must refuse it, as on Lambda).
    _, body = server.request("GET", "/headers", headers={"Origin": "https://evil.example"})
    assert json.loads(body)["origin"] == "https://evil.example"

    # The function's absolute redirect stays on this server; its cookie is kept here.
    response, _ = server.request("GET", "/redirect")
    assert response.status == 302
    assert response.getheader("Location") == f"{local_origin}/landed?x=1"
    assert response.getheader("Set-Cookie") == "sessionid=s1; Path=/; Secure; HttpOnly"
