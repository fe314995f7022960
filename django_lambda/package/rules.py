"""The package's light rules: what the build enforces and the system checks report.

Lambda's platforms and Python runtimes, the patterns that keep files out of the
package, where the build's output may go, and ``BuildError``. The system checks
load this module wherever they run (``manage.py migrate`` on Lambda too), so it
holds constants and small functions only: nothing of pip, zip files or bytecode.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.utils.module_loading import import_string

from django_lambda.conf import SETTING_NAME
from django_lambda.validation import SettingRule, optional


class BuildError(Exception):
    """The package cannot be built; the message says what is wrong and what to do."""


# -- Lambda's platforms and Python runtimes ---------------------------------

# The machine name in wheel tags for each Lambda architecture.
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}

# The glibc of each runtime's system: python3.10 and 3.11 run on Amazon Linux 2
# (glibc 2.26), python3.12 and later on Amazon Linux 2023 (glibc 2.34).
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
AMAZON_LINUX_2_PYTHONS = ("3.10", "3.11")
AMAZON_LINUX_2_GLIBC = (2, 26)
AMAZON_LINUX_2023_GLIBC = (2, 34)
# manylinux2014, the oldest tag the build asks for, is glibc 2.17 (PEP 599);
# pip widens it to manylinux2010 and manylinux1 on x86_64 by itself.
MANYLINUX2014_GLIBC_MINOR = 17

# Lambda's Python runtimes start at python3.10 among those still supported
# for new functions; later ones are accepted as they appear.
OLDEST_PYTHON_MINOR = 10


def python_version(runtime: object) -> str | None:
    """``"3.12"`` for ``"python3.12"``; None if ``runtime`` is not a usable Lambda runtime."""
    if not isinstance(runtime, str):
        return None
    match = re.fullmatch(r"python3\.([1-9]\d*)", runtime)
    if match is None or int(match[1]) < OLDEST_PYTHON_MINOR:
        return None
    return f"3.{int(match[1])}"


RUNTIME = SettingRule(
    "RUNTIME",
    optional(lambda runtime: python_version(runtime) is not None),
    "django_lambda.E106",
    "{name} is {value!r}, which is not a Lambda Python runtime this can build for.",
    "Use 'python3.10' or later, such as 'python3.12', or None for the version of the "
    "Python running Django.",
)

ARCHITECTURE = SettingRule(
    "ARCHITECTURE",
    lambda architecture: isinstance(architecture, str) and architecture in MACHINES,
    "django_lambda.E107",
    "{name} is {value!r}.",
    "Use 'x86_64' or 'arm64' (Graviton).",
)


def target_python(runtime: str) -> str:
    """The Python version (``"3.12"``) of the Lambda runtime ``runtime``; a BuildError in
    the system check's words if Lambda has no such runtime."""
    python = python_version(runtime)
    if python is None:
        raise BuildError(RUNTIME.refusal(runtime))
    return python


def platform_tags(architecture: object, python: str) -> list[str]:
    """pip's ``--platform`` values for a Lambda architecture and Python: every manylinux
    tag the runtime's glibc can load, newest first; a BuildError in the system check's
    words for an architecture Lambda does not have.

    pip widens none of the ``manylinux_2_X`` tags to older ones, so each is
    given; ``manylinux2014`` is given by its legacy name too, which older
    wheels carry instead of ``manylinux_2_17``.
    """
    machine = MACHINES.get(architecture) if isinstance(architecture, str) else None
    if machine is None:
        raise BuildError(ARCHITECTURE.refusal(architecture))
    major, newest = runtime_glibc(python)
    return [
        *(
            f"manylinux_{major}_{minor}_{machine}"
            for minor in range(newest, MANYLINUX2014_GLIBC_MINOR - 1, -1)
        ),
        f"manylinux2014_{machine}",
    ]


def runtime_glibc(python: str) -> tuple[int, int]:
    """The glibc version of the system the Lambda runtime for ``python`` ("3.12") runs on."""
    return AMAZON_LINUX_2_GLIBC if python in AMAZON_LINUX_2_PYTHONS else AMAZON_LINUX_2023_GLIBC


def describe_platforms(platforms: Sequence[str]) -> str:
    """``platform_tags()``'s result for messages: the newest tag, "or older"."""
    return f"{platforms[0]} or older"


def canonical_name(name: str) -> str:
    """A distribution name as PEP 503 normalizes it: ``Python_Dateutil`` -> ``python-dateutil``."""
    return re.sub(r"[-_.]+", "-", name).lower()


# -- What stays out of the package -------------------------------------------

# Never in the package, whatever INCLUDE says: secrets, and version control
# (whose history keeps every secret ever committed). Patterns follow
# DEFAULT_EXCLUDE's rules.
NEVER_SHIP = (".env*", ".git", ".hg", ".svn")

# Left out of the project copy because they look like private keys or
# credentials; INCLUDE brings one back, and the build then warns that it ships.
# Patterns follow DEFAULT_EXCLUDE's rules.
SECRETS = (
    # private keys and certificates (a CA bundle the function needs: INCLUDE it)
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.ppk",
    "*.jks",
    "*.keystore",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    # credentials of tools and clients
    ".ssh",
    ".gnupg",
    ".aws",
    ".kube",
    ".docker",
    ".netrc",
    ".pgpass",
    ".pypirc",
    ".npmrc",
    ".htpasswd",
    # Terraform state holds every secret of the resources it made
    "*.tfstate*",
    ".terraform",
    # .gitignore, .github, .git-credentials, ...
    ".git*",
)

# Left out of the project copy, along with NEVER_SHIP, unless INCLUDE brings
# them back. A pattern without "/" matches a file or directory name at any
# depth; one with "/" matches the path from the project directory. A matching
# directory is left out with everything below it.
DEFAULT_EXCLUDE = (
    # caches and compiled files
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".tox",
    ".nox",
    ".coverage",
    "htmlcov",
    ".DS_Store",
    # virtualenvs (any directory holding a pyvenv.cfg is left out too) and tooling
    ".venv",
    "venv",
    "node_modules",
    "*.egg-info",
    # the development database (startproject's db.sqlite3)
    "*.sqlite3",
    # tests
    "tests",
    "test_*.py",
    "tests.py",
    "conftest.py",
)


def excluded(relative: str, patterns: Iterable[str]) -> bool:
    """Whether the path ``relative`` (posix, from the project dir) matches one of ``patterns``.

    A pattern without ``/`` matches any single file or directory name along the
    path; a pattern with ``/`` (a leading one included, as in ``/docs``)
    matches the path from the project directory, and ``*`` crosses ``/``. A
    path also matches when one of its directories does. A trailing ``/`` is
    ignored.
    """
    by_name, by_path = _compiled(tuple(patterns))
    names = relative.split("/")
    if by_name is not None and any(by_name.match(name) for name in names):
        return True
    if by_path is not None:
        return any(by_path.match("/".join(names[: depth + 1])) for depth in range(len(names)))
    return False


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """``patterns`` as two regular expressions: one for single names, one for paths."""
    by_name = [fnmatch.translate(p.strip("/")) for p in patterns if "/" not in p.rstrip("/")]
    by_path = [fnmatch.translate(p.strip("/")) for p in patterns if "/" in p.rstrip("/")]
    return (
        re.compile("|".join(by_name)) if by_name else None,
        re.compile("|".join(by_path)) if by_path else None,
    )


def include_pattern(pattern: str, which: str) -> str:
    """What is wrong with the INCLUDE pattern ``pattern``, ``which`` saying it."""
    return f"{SETTING_NAME}['INCLUDE'] has the pattern {pattern!r}, which {which}"


# How to write an INCLUDE pattern, for the build's errors and the system check.
INCLUDE_HINT = (
    "Write INCLUDE patterns relative to the project directory, without '..', such as "
    "'data/*.csv', or copy the file into the project."
)


# -- Where the package comes from and where the build's output goes ----------

# What to do about a REQUIREMENTS file that is not there, for the build's error
# and the system check (E100).
REQUIREMENTS_HINT = (
    "Create the file, fix the path (it is relative to the project directory), or set "
    "REQUIREMENTS to None to install nothing."
)

# How to point at the project, for the build's error and the system check (E117).
PROJECT_DIR_HINT = (
    f"Set {SETTING_NAME}['PROJECT_DIR'] (or settings.BASE_DIR) to the directory that holds "
    "manage.py: the package is built from it."
)


def project_dir_problem(project_dir: Path, source: str | None = None) -> str | None:
    """What is wrong with ``project_dir`` (set by ``source``, when known) as the directory
    the package is built from, or None."""
    if project_dir.is_dir():
        return None
    what = "is not a directory" if project_dir.exists() else "does not exist"
    return f"The project directory {project_dir}{f' ({source})' if source else ''} {what}."


# Where the build's output can go, for the build's errors and the system check.
BUILD_DIR_HINT = (
    "Give BUILD_DIR a directory of its own, inside the project (the default, '.lambda', "
    "which git should ignore) or outside it."
)


def build_dir_problem(project_dir: Path, build_dir: Path, written: object) -> str | None:
    """What is wrong with ``build_dir`` (BUILD_DIR, ``written`` so) as the place of the
    build's output, or None.

    The build stages the package in, and deletes stale files from, its own
    directories there, and zips the project without them: BUILD_DIR cannot
    be the project directory, or a directory that holds it.
    """
    project_dir = project_dir.resolve()
    build_dir = build_dir.resolve()
    if not project_dir.is_relative_to(build_dir):
        return None
    if build_dir == project_dir:
        where, why = "is", "the package would take in the build's output"
    else:
        where, why = "holds", "the build deletes stale files there, and could delete the project's"
    return (
        f"{SETTING_NAME}['BUILD_DIR'] is {written!r}, which {where} the "
        f"project directory {project_dir}: {why}."
    )


# -- The static storage --------------------------------------------------------

# StaticStorage's dotted path, compared by name with the configured backend
# and its base classes (the exact path needs no import at all).
STATIC_STORAGE = "django_lambda.storage.StaticStorage"


def is_static_storage(backend: object) -> bool:
    """Whether the storage backend ``backend`` (a dotted path) is ``StaticStorage`` or a
    subclass of it; raises ImportError when it cannot be imported.

    ``StaticStorage`` itself is known by its path, without importing it.
    """
    if backend == STATIC_STORAGE:
        return True
    if not isinstance(backend, str):
        return False
    storage_class = import_string(backend)
    return isinstance(storage_class, type) and any(
        f"{base.__module__}.{base.__qualname__}" == STATIC_STORAGE for base in storage_class.__mro__
    )
