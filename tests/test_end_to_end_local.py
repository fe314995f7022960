"""End to end: a real Django site, built into a real package, run under awslambdaric.

The package comes from ``package.build_package`` (the requirements file lists
nothing; Django and its dependencies are copied into the project, so no test
reaches PyPI) and its ``django_lambda.handler.lambda_handler`` serves it.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from django_lambda import gate
from tests.django_site import make_site
from tests.serving import ROOT, Server, fetch, gone

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("e2e")
    # Under /tmp, the only place a function can write to on Lambda.
    database = Path(f"/tmp/django-lambda-e2e-{uuid.uuid4().hex}.sqlite3")
    yield make_site(base / "site", database=database)
    # Where the function's /tmp is this machine's, it stays behind.
    database.unlink(missing_ok=True)


@pytest.fixture
def site_settings(site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # pip must never reach an index from the tests.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.syspath_prepend(str(site))
    with override_settings(
        DJANGO_LAMBDA={
            "FUNCTION_NAME": "stars",
            "PROJECT_DIR": str(site),
            "ENVIRONMENT": {"DJANGO_SETTINGS_MODULE": "starsite.settings"},
        }
    ):
        yield site


def invoke(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("lambda_invoke", *args, "--local", stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


def test_invoke_local_builds_then_serves_a_request(site_settings: Path) -> None:
    zip_path = site_settings / ".lambda" / "package.zip"
    zip_path.unlink(missing_ok=True)  # whatever ran before, this run builds
    out, err = invoke("GET", "/")
    assert out == "HTTP/1.1 200 OK\nContent-Type: text/html; charset=utf-8\n\n<h1>Stars</h1>\n"
    assert f"No package at {zip_path}: building it." in err
    assert re.search(r"REPORT RequestId: \S+  Duration: [\d.]+ ms  Init Duration: [\d.]+ ms", err)
    built = zip_path.stat().st_mtime_ns

    # Up to date now: the same zip serves the next invocation, without a build.
    out, err = invoke("GET", "/cookies/")
    assert out == (
        "HTTP/1.1 200 OK\n"
        "Content-Type: text/plain\n"
        "Set-Cookie: a=A; Path=/\n"
        "Set-Cookie: b=B; Path=/\n"
        "Set-Cookie: c=C; Path=/\n"
        "\n"
        "three cookies\n"
    )
    assert "building" not in err
    assert zip_path.stat().st_mtime_ns == built


def test_invoke_local_manage(site_settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The local function gets a key of this run in its process environment; the
    # command goes with a proof made with it. Neither is anywhere else.
    key = "a-key-for-this-local-run-" + "k" * 20
    monkeypatch.setattr(gate, "new_key", lambda: key)
    out, err = invoke("--manage", "migrate --noinput", "--log")
    assert out == (
        "Operations to perform:\n"
        "  Apply all migrations: contenttypes\n"
        "Running migrations:\n"
        "  Applying contenttypes.0001_initial... OK\n"
        "  Applying contenttypes.0002_remove_content_type_name... OK\n"
    )
    proof = gate.make_proof(key, "manage", "migrate --noinput")
    package = (site_settings / ".lambda" / "package.zip").read_bytes()
    for secret in (key, proof):
        assert secret not in out + err
        assert secret.encode() not in package
    err_stream = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("lambda_invoke", "--manage", "nosuchcommand", "--local", stderr=err_stream)
    assert caught.value.returncode == 1
    assert "Unknown command: 'nosuchcommand'" in err_stream.getvalue()


def test_invoke_local_refuses_a_command_without_proof(site_settings: Path, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"manage": "migrate --noinput"}))
    out, err = invoke("--event", str(event), "--log")
    assert json.loads(out) == {
        "returncode": 126,
        "stdout": "",
        "stderr": "Refused: the event carries no proof. Send commands with "
        "`manage.py lambda_invoke --manage`.\n",
    }
    assert '"message": "command refused"' in err


def test_a_view_cannot_write_into_the_package_only_into_tmp(site_settings: Path) -> None:
    out, err = invoke("GET", "/write/base/", "--log")
    # As on Lambda, where the task root is a read-only file system.
    expected = "OSError: [Errno 30] Read-only file system"
    if "read-only by permissions only" in err:  # this machine allows no mount namespace
        expected = "PermissionError: [Errno 13] Permission denied"
    assert out.startswith("HTTP/1.1 500 Internal Server Error\n")
    assert re.search(
        rf"^{re.escape(expected)}: '/\S+/\.lambda/unpacked/[0-9a-f]{{16}}/written-\d+\.txt'$",
        err,
        re.M,
    ), err
    assert not list(site_settings.glob(".lambda/unpacked/*/written-*.txt"))

    out, _ = invoke("GET", "/write/tmp/")
    written = re.fullmatch(
        r"HTTP/1.1 200 OK\nContent-Type: text/plain\n\nwrote (/tmp/written-\d+\.txt)\n", out
    )
    assert written, out
    if "read-only by permissions only" in err:  # the function's /tmp is this machine's
        Path(written[1]).unlink()


def test_serve_the_site(site_settings: Path) -> None:
    # Serves the package the tests above built (or builds it).
    env_site = str(site_settings)
    server = Server(
        "--concurrency",
        "2",
        env={
            "DJANGO_SETTINGS_MODULE": "starsite.settings",
            "PYTHONPATH": f"{env_site}{os.pathsep}{ROOT}",
        },
    )
    try:
        children = server.children()
        assert len(children) == 2
        status, headers, body = fetch(server, "/")
        assert (status, body) == (200, b"<h1>Stars</h1>\n")
        assert (headers["Content-Type"], headers["Content-Length"]) == (
            ["text/html; charset=utf-8"],
            ["15"],
        )
        status, headers, body = fetch(server, "/vote/", data=b"star=42&note=hi")
        assert status == 201
        assert json.loads(body) == {
            "method": "POST",
            "form": {"star": "42", "note": "hi"},
            "cookies": {},
        }
        status, headers, body = fetch(server, "/logo.png")
        assert (status, headers["Content-Type"], body) == (
            200,
            ["image/png"],
            bytes.fromhex("89504e470d0a1a0a") + bytes(range(256)),
        )
        status, headers, body = fetch(server, "/cookies/")
        assert headers["Set-Cookie"] == ["a=A; Path=/", "b=B; Path=/", "c=C; Path=/"]
        _, body = server.request("GET", "/vote/", headers={"Cookie": "x=1; y=2; z=3"})
        assert json.loads(body)["cookies"] == {"x": "1", "y": "2", "z": "3"}
    finally:
        assert server.stop(signal.SIGTERM) == 0
    assert [pid for pid in children if not gone(pid)] == []
