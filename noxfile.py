"""The test matrix: every Python and Django that setup.cfg claims, one nox session each.

    nox -l                              # the sessions
    nox -s "tests(3.12-django6.1)"      # the whole suite on one pair
    nox -p 3.12                         # ... on every pair with Python 3.12
    nox -s tests -- -m "not slow" -n 2  # the fast part on every pair (pytest's arguments after --)
    nox -s compat                       # what .ci/run runs on the oldest and newest pairs

The interpreters come from PATH or from pyenv (``pyenv prefix 3.10``), where
only one version usually answers on PATH; a Python found in neither is
skipped with a message naming it, so a machine without 3.10 still runs the rest.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import nox
from nox.logger import logger

nox.needs_version = ">=2025.5.1"
nox.options.sessions = ["tests"]
# A missing interpreter is skipped (nox's default fails it when CI is set),
# and nox never downloads one: this machine reaches only package registries.
nox.options.error_on_missing_interpreters = False
nox.options.download_python = "never"

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
DJANGOS = ["4.2", "5.2", "6.0", "6.1"]


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def supported(python: str, django: str) -> bool:
    """Django's own support table: 4.2 stops at Python 3.12, 6.0 starts at 3.12."""
    if version(django) >= (6, 0):
        return version(python) >= (3, 12)
    if version(django) < (5, 0):
        return version(python) <= (3, 12)
    return True


PAIRS = [(python, django) for python in PYTHONS for django in DJANGOS if supported(python, django)]
OLDEST, NEWEST = PAIRS[0], PAIRS[-1]

# What differs between versions, for .ci/run's oldest and newest pairs: the
# handler (Django's WSGI request and response), the static storage and its
# manifest, the system checks, a build with bytecode for the running Python,
# one request through a built package under the runtime client, and the Tasks
# framework the backend runs on.
COMPAT_TESTS = [
    "tests/test_handler_direct.py",
    "tests/test_handler_fixtures.py",
    "tests/test_handler_sources.py",
    "tests/test_http_events.py",
    "tests/test_storage.py",
    "tests/test_storage_cold_path.py",
    "tests/test_checks.py",
    "tests/test_checks_handler.py",
    "tests/test_build_checks.py",
    "tests/test_storage_checks.py",
    "tests/test_build.py::test_bytecode_ships_for_every_module_and_is_what_loads",
    "tests/test_build.py::test_no_bytecode_for_another_python",
    "tests/test_bytecode.py",
    "tests/test_versions.py",
    "tests/test_end_to_end_local.py::test_invoke_local_builds_then_serves_a_request",
    # The Tasks backend: django.tasks from Django 6.0, the django-tasks backport before.
    "tests/test_tasks.py",
]


def pyenv_bin_dirs() -> list[str]:
    """The ``bin`` directories of pyenv's interpreters for PYTHONS, where pyenv has them.

    pyenv's shims on PATH answer only for the versions ``pyenv global`` names
    ("pyenv: python3.10: command not found" for the others); the interpreters'
    own directories answer always.
    """
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return []
    found = []
    for python in PYTHONS:
        done = subprocess.run([pyenv, "prefix", python], capture_output=True, text=True)
        prefix = done.stdout.strip()
        if done.returncode == 0 and os.path.isfile(os.path.join(prefix, "bin", f"python{python}")):
            found.append(os.path.join(prefix, "bin"))
    return found


def answers(python: str) -> bool:
    """Whether ``python3.X`` on PATH runs (a pyenv shim for an unselected version does not)."""
    executable = shutil.which(f"python{python}")
    if executable is None:
        return False
    done = subprocess.run([executable, "-c", ""], capture_output=True)
    return done.returncode == 0


os.environ["PATH"] = os.pathsep.join([*pyenv_bin_dirs(), os.environ.get("PATH", "")])
MISSING = [python for python in PYTHONS if not answers(python)]
for python in MISSING:
    logger.warning(
        f"Python {python} is neither on PATH nor in pyenv ('pyenv install {python}' adds it): "
        f"its sessions will be skipped."
    )


def params(pairs: list[tuple[str, str]]) -> list[nox.param]:
    return [nox.param(python, django, id=f"{python}-django{django}") for python, django in pairs]


def install(session: nox.Session, django: str) -> None:
    session.install("-e", ".[test]", f"Django~={django}.0")


@nox.session
@nox.parametrize(("python", "django"), params(PAIRS))
def tests(session: nox.Session, django: str) -> None:
    """The whole suite on one Python and one Django (pytest's arguments after --)."""
    install(session, django)
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *session.posargs)


@nox.session
@nox.parametrize(("python", "django"), params([OLDEST, NEWEST]))
def compat(session: nox.Session, django: str) -> None:
    """COMPAT_TESTS on the oldest and the newest pair, as .ci/run runs them."""
    install(session, django)
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", *COMPAT_TESTS, *session.posargs)
