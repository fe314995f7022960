"""Bytecode for the python3.12 and python3.13 runtimes, built on those Pythons.

A build ships bytecode only when it runs on the function's Python, since a
``.pyc`` loads only on the Python version that wrote it. These tests build a
Django site (Django copied into the project, as in the end-to-end tests) on
this interpreter for each of Lambda's Amazon Linux 2023 runtimes: for its
own, the package must serve a request with every module loaded from
bytecode; for the other, it must ship sources and say why. They run in the
matrix's 3.12 and 3.13 sessions (``nox -p 3.12``); tests/test_build.py covers
the same rule on any Python with a small package.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from django_lambda.conf import deploy_config
from django_lambda.package import build_package, bytecode_name
from tests.django_site import make_site

AL2023_RUNTIMES = ["python3.12", "python3.13"]
HERE = f"python{sys.version_info.major}.{sys.version_info.minor}"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        HERE not in AL2023_RUNTIMES,
        reason=f"builds bytecode for python3.12 or python3.13, on those Pythons only; this is "
        f"Python {sys.version_info.major}.{sys.version_info.minor} (run nox -p 3.12 or -p 3.13)",
    ),
]

EVENT = Path(__file__).parent / "events" / "function_url.json"

# The handler as the runtime calls it, in a process that sees only the package.
SERVE = """
import json, sys, types
sys.path.insert(0, sys.argv[1])
from django_lambda.handler import lambda_handler
result = lambda_handler(json.loads(sys.argv[2]), types.SimpleNamespace(aws_request_id="req-1"))
specs = [getattr(module, "__spec__", None) for module in list(sys.modules.values())]
origins = [getattr(spec, "origin", None) for spec in specs]
loaded = [origin for origin in origins if origin and origin.startswith(sys.argv[1])]
print(json.dumps({"result": result, "loaded": loaded}))
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # the site's requirements list nothing
    database = Path(f"/tmp/django-lambda-bytecode-{uuid.uuid4().hex}.sqlite3")
    yield make_site(tmp_path / "site", database=database)
    database.unlink(missing_ok=True)


def build_for(site: Path, runtime: str, into: Path) -> tuple[set[str], list[str]]:
    """Build ``site`` for ``runtime`` and unpack it into ``into``; the zip's names, the log."""
    messages: list[str] = []
    setting = {"PROJECT_DIR": str(site), "RUNTIME": runtime, "COMPILE": True}
    with override_settings(DJANGO_LAMBDA=setting):
        zip_path = build_package(deploy_config(), say=messages.append).zip_path
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
        return set(archive.namelist()), messages


def serve(package: Path) -> dict[str, object]:
    """A Function URL's GET / through the unpacked package, as Lambda runs it: -I -S -B."""
    event = json.loads(EVENT.read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/"
    event["rawQueryString"] = ""
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", SERVE, str(package), json.dumps(event)],
        env={"DJANGO_SETTINGS_MODULE": "starsite.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    output: dict[str, object] = json.loads(done.stdout)
    return output


def test_a_build_on_the_functions_python_ships_bytecode_that_loads(
    site: Path, tmp_path: Path
) -> None:
    package = tmp_path / "task"

    names, messages = build_for(site, HERE, package)

    sources = {name for name in names if name.endswith(".py")}
    assert {"django/__init__.py", "starsite/urls.py", "django_lambda/handler.py"} <= sources
    assert {name for name in names if name.endswith(".pyc")} == {
        bytecode_name(name) for name in sources
    }
    assert not [message for message in messages if "Not compiling bytecode" in message]
    # Written by this Python (every 3.12.x shares 3.12's magic number), hash-based
    # and unchecked (flags 0b01): loaded without looking at the source.
    header = (package / bytecode_name("django/__init__.py")).read_bytes()[:8]
    assert header[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(header[4:8], "little") == 0b01
    # Every source replaced after the build: whatever runs came from the bytecode.
    for name in sources:
        (package / name).write_text(f"raise ImportError('the source of {name} was loaded')\n")

    output = serve(package)

    result = output["result"]
    assert isinstance(result, dict)
    assert (result["statusCode"], result["body"]) == (200, "<h1>Stars</h1>\n")
    loaded = output["loaded"]
    assert isinstance(loaded, list)
    assert {str(package / "django" / "http" / "response.py")} <= set(loaded)


def test_a_build_on_another_python_ships_sources_and_says_why(site: Path, tmp_path: Path) -> None:
    (there,) = [runtime for runtime in AL2023_RUNTIMES if runtime != HERE]
    package = tmp_path / "task"

    names, messages = build_for(site, there, package)

    assert not [name for name in names if name.endswith(".pyc") or "__pycache__" in name]
    assert {"django/__init__.py", "starsite/urls.py", "django_lambda/handler.py"} <= names
    here, python = HERE.removeprefix("python"), there.removeprefix("python")
    assert (
        f"Not compiling bytecode: this build runs on Python {here} and the function on "
        f"Python {python}, and bytecode loads only on the Python that wrote it, so every "
        f"cold start will compile the modules it imports. Run the deploy with Python "
        f"{python} to ship bytecode (or set DJANGO_LAMBDA['COMPILE'] = False to say so)."
    ) in messages
    # The sources alone serve the site (on this Python, which stands in for the other).
    result = serve(package)["result"]
    assert isinstance(result, dict)
    assert (result["statusCode"], result["body"]) == (200, "<h1>Stars</h1>\n")
