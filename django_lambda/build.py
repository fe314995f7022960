"""Building the deploy package: requirements for the Lambda platform, project files, zip."""

from __future__ import annotations

import base64
import csv
import filecmp
import fnmatch
import functools
import hashlib
import importlib.util
import json
import locale
import os
import py_compile
import re
import shutil
import stat
import struct
import subprocess
import sys
import warnings
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence, Sized
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.utils.module_loading import import_string
from django.utils.translation import to_locale

from django_lambda.conf import SETTING_NAME, local_runtime
from django_lambda.configuration import DeployConfig
from django_lambda.progress import Say, quiet

# Lambda refuses function code larger than this once unzipped, layers included
# ("Unzipped size must be smaller than 262144000 bytes"):
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
UNZIPPED_LIMIT = 262_144_000

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

# Zip entries: fixed timestamp, fixed modes, fixed compression, so the same
# files give the same bytes and the same CodeSha256 on every build.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_COMPRESSLEVEL = 6
FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755

# The comment of every zip the build writes: how a later build recognizes its
# own output in the project (`--build-only out.zip`) and leaves it out.
ZIP_COMMENT = b"django-lambda package"

# The static manifest that StaticStorage writes into the package.
MANIFEST_NAME = "staticfiles.json"

# StaticStorage's dotted path, compared by name with the configured backend
# and its base classes (the exact path needs no import at all).
STATIC_STORAGE = "django_lambda.storage.StaticStorage"
# Why PRUNE_STATIC leaves a file out, in the build's report.
STATIC_SOURCES = "apps' static/ directories"
# Why PRUNE_LOCALES leaves a file out, in the build's report.
UNUSED_TRANSLATIONS = "translations the site never reads"
# A translation catalog in a requirement, and its locale: gettext, and Django
# through it, looks for <localedir>/<locale>/LC_MESSAGES/<domain>.mo.
_CATALOG = re.compile(r".+/locale/([^/]+)/LC_MESSAGES/[^/]+\.(?:mo|po)")
# Bytecode is compiled for the path the module has on Lambda, so the bytes do
# not depend on where the build ran; with the source next to it, the import
# system shows the real path anyway.
TASK_ROOT = "/var/task"
# Hash-based pycs that the import system loads without reading the source to
# check it (the package is read-only on Lambda), whose bytes depend only on the
# source: https://peps.python.org/pep-0552/
_UNCHECKED_HASH_FLAGS = (1).to_bytes(4, "little")
# Files that make a directory code rather than data.
_PYTHON_SUFFIXES = (".py", ".pyc", ".so", ".pyd")

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

# How to write an INCLUDE pattern, for the build's errors and the system check.
INCLUDE_HINT = (
    "Write INCLUDE patterns relative to the project directory, without '..', such as "
    "'data/*.csv', or copy the file into the project."
)

# Where the build's output can go, for the build's errors and the system check.
BUILD_DIR_HINT = (
    "Give BUILD_DIR a directory of its own, inside the project (the default, '.lambda', "
    "which git should ignore) or outside it."
)

_NO_WHEEL = re.compile(r"No matching distribution found for (\S+)")
_NESTED_REQUIREMENTS = re.compile(r"^\s*(?:-r|-c|--requirement|--constraint)[\s=]+(\S+)")


class BuildError(Exception):
    """The package cannot be built; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class BuildResult:
    zip_path: Path
    # Base64 of the zip's SHA-256 digest: the same form as Lambda's CodeSha256.
    sha256: str
    zipped_size: int
    unzipped_size: int
    # (top-level package or directory, unzipped bytes), largest first.
    largest: list[tuple[str, int]] = field(default_factory=list)
    # Whether the installed requirements were reused from an earlier build.
    reused_requirements: bool = False
    # The requirements file the build installed, if any.
    requirements: Path | None = None


def code_sha256(package: Path | bytes) -> str:
    """A package's SHA-256 (its file, or its bytes) in the form Lambda reports as
    ``CodeSha256``: base64 of the digest."""
    digest = hashlib.sha256()
    if isinstance(package, bytes):
        digest.update(package)
    else:
        with package.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    return base64.b64encode(digest.digest()).decode("ascii")


def sha256_hex(code_sha256: str) -> str:
    """A ``CodeSha256`` in hex, as names of files and objects carry it."""
    return base64.b64decode(code_sha256).hex()


def build_package(
    config: DeployConfig,
    *,
    output: Path | None = None,
    say: Say = quiet,
    reinstall: bool = False,
) -> BuildResult:
    """Build the deploy zip for ``config``'s project and return what was built.

    Requirements are installed with pip for the function's platform into
    ``<BUILD_DIR>/requirements/`` and reused while the requirements file, the
    runtime and the architecture stay the same (``reinstall=True`` forces a
    fresh install). pip runs as ``sys.executable -m pip`` and honours its own
    configuration, so ``PIP_INDEX_URL``, ``PIP_NO_INDEX=1`` and
    ``PIP_FIND_LINKS=<dir>`` work as usual. The package is staged in
    ``<BUILD_DIR>/build/`` and zipped to ``output`` (default
    ``<BUILD_DIR>/package.zip``).
    """
    project_dir = config.project_dir.resolve()
    if not project_dir.is_dir():
        raise BuildError(
            f"The project directory {project_dir} does not exist. Set "
            f"{SETTING_NAME}['PROJECT_DIR'] (or settings.BASE_DIR) to the directory "
            "that holds manage.py."
        )
    python = python_version(config.runtime)
    if python is None:
        raise BuildError(
            f"{SETTING_NAME}['RUNTIME'] is {config.runtime!r}, which is not a Lambda "
            f"Python runtime (python3.{OLDEST_PYTHON_MINOR} or later). Set it to one, "
            "for example 'python3.12'."
        )
    platforms = platform_tags(config.architecture, python)
    problem = build_dir_problem(config.project_dir, config.build_dir, config.build_dir_setting)
    if problem:
        raise BuildError(f"{problem} {BUILD_DIR_HINT}")
    compiles = config.compile and _compiles(python, say)
    build_root = config.build_dir.resolve()
    zip_path = Path(output).resolve() if output else build_root / "package.zip"

    files: dict[str, Path] = {}
    # Installed requirements, already deflated in the requirements cache zip.
    cached: dict[str, _Deflated] = {}
    cache_zip: Path | None = None
    reused = False
    requirements = _requirements_file(config, project_dir, say)
    if requirements is not None:
        installed, cache_zip, reused = _install_requirements(
            requirements,
            project_dir=project_dir,
            build_root=build_root,
            platforms=platforms,
            python=python,
            left_out=runtime_packages_left_out(config),
            say=say,
            reinstall=reinstall,
            compiles=compiles,
        )
        cached = _read_deflated(cache_zip)
        # Pruned here, not at install time: the install stays whole, so
        # changing PRUNE, PRUNE_STATIC or STORAGES needs no reinstall and can
        # never pair a cache with settings it was not pruned for.
        pruned = _prune_requirements(cached, config, say=say)
        for name in pruned:
            del cached[name]
        files.update((name, installed / name) for name in cached)

    own = project_files(config, skip=(build_root, zip_path), say=say)
    shadowed = sorted({_top_level(name) for name in own if name in cached})
    if shadowed:
        say("The project's own copy wins over the installed one for: " + ", ".join(shadowed))
    for name in own:
        cached.pop(name, None)
        if name.endswith(".py"):
            # The installed module's bytecode would load instead of the project's source.
            files.pop(bytecode_name(name), None)
    files.update(own)

    if "django_lambda/__init__.py" not in files:
        say("Adding django_lambda from this installation (not in the project or requirements).")
        files.update(own_source())
    if compiles:
        sources = sorted(name for name in files if name.endswith(".py") and name not in cached)
        bytecode = _project_bytecode(files, sources, build_root / "bytecode", say=say)
        for name in bytecode:
            cached.pop(name, None)
        files.update(bytecode)
    for name in _orphan_bytecode(files):
        del files[name]
    sizes = {
        name: cached[name].size if name in cached else path.stat().st_size
        for name, path in files.items()
    }
    unzipped_size = sum(sizes.values())
    largest = largest_top_level(sizes)
    if unzipped_size > UNZIPPED_LIMIT:
        raise BuildError(
            f"The package is {format_size(unzipped_size)} unzipped; Lambda refuses more than "
            f"{format_size(UNZIPPED_LIMIT)}. Largest: {format_largest(largest)}. Leave out "
            f"what the function does not need ({SETTING_NAME}['EXCLUDE'], a smaller "
            "requirements file) or move large dependencies to a layer or a container image."
        )

    # Installed requirements are hard-linked into the staging directory (they
    # never change in place: a reinstall replaces the directory), the rest is
    # copied; files already there and unchanged are left alone.
    _stage(files, build_root / "build", linked=set(cached))
    _write_zip(files, zip_path, cached=cached, cache_zip=cache_zip)
    result = BuildResult(
        zip_path=zip_path,
        sha256=code_sha256(zip_path),
        zipped_size=zip_path.stat().st_size,
        unzipped_size=unzipped_size,
        largest=largest,
        reused_requirements=reused,
        requirements=requirements,
    )
    say(
        f"Built {zip_path}: {format_size(result.zipped_size)} zipped, "
        f"{format_size(unzipped_size)} unzipped, {len(files)} files. "
        f"Largest: {format_largest(largest)}."
    )
    return result


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


def _compiles(python: str, say: Say) -> bool:
    """Whether bytecode can ship (COMPILE on): this interpreter is the runtime's Python."""
    here = local_runtime().removeprefix("python")
    if here != python:
        say(
            f"Not compiling bytecode: this build runs on Python {here} and the function on "
            f"Python {python}, and bytecode loads only on the Python that wrote it, so every "
            f"cold start will compile the modules it imports. Run the deploy with Python "
            f"{python} to ship bytecode (or set {SETTING_NAME}['COMPILE'] = False to say so)."
        )
        return False
    return True


def bytecode_name(name: str) -> str:
    """Where the import system looks for the bytecode of the module ``name`` (posix, relative)."""
    return importlib.util.cache_from_source(name)


def _compile_module(source: Path, name: str, destination: Path) -> None:
    """Compile ``source`` (the package's ``name``) to an unchecked-hash pyc at ``destination``.

    Raises ``py_compile.PyCompileError`` when the source does not compile.
    """
    with warnings.catch_warnings():
        # What the compiler warns about (invalid escapes, "is" with a literal)
        # is the module's own business, and would fail it under -W error.
        warnings.simplefilter("ignore")
        py_compile.compile(
            str(source),
            cfile=str(destination),
            dfile=f"{TASK_ROOT}/{name}",
            doraise=True,
            optimize=0,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    destination.chmod(FILE_MODE)


def _compile_tree(root: Path, say: Say) -> None:
    """Compile every module under ``root`` (the fresh requirements install) next to it."""
    failed = []
    for name, path in sorted(_walk(root)):
        if name.endswith(".py"):
            try:
                _compile_module(path, name, root / bytecode_name(name))
            except py_compile.PyCompileError:
                failed.append(name)
    _report_not_compiled(failed, "requirements", say)


def _project_bytecode(
    files: dict[str, Path], sources: list[str], cache: Path, *, say: Say
) -> dict[str, Path]:
    """Bytecode for ``sources`` (names in ``files``), kept in ``cache`` between builds.

    A cached pyc is reused while it was compiled from the same source bytes
    (an unchecked-hash pyc holds the source's hash).
    """
    compiled: dict[str, Path] = {}
    failed = []
    for name in sources:
        pyc = bytecode_name(name)
        destination = cache / pyc
        source = files[name].read_bytes()
        expected = importlib.util.MAGIC_NUMBER + _UNCHECKED_HASH_FLAGS
        expected += importlib.util.source_hash(source)
        try:
            with destination.open("rb") as cached:
                fresh = cached.read(len(expected)) == expected
        except OSError:
            fresh = False
        if not fresh:
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                _compile_module(files[name], name, destination)
            except py_compile.PyCompileError:
                failed.append(name)
                continue
        compiled[pyc] = destination
    if cache.is_dir():
        for relative, path in list(_walk(cache)):
            if relative not in compiled:
                path.unlink()
    _report_not_compiled(failed, "project", say)
    return compiled


def _report_not_compiled(failed: list[str], where: str, say: Say) -> None:
    if failed:
        say(
            f"Warning: shipping without bytecode {_count(failed, 'file')} of the {where} "
            "that did not compile (importing such a file fails on Lambda too): "
            + ", ".join(failed[:5])
            + (", ..." if len(failed) > 5 else "")
            + "."
        )


def _orphan_bytecode(names: Iterable[str]) -> list[str]:
    """Bytecode in ``__pycache__`` directories whose source is not among ``names``.

    The import system never reads it (after PRUNE, or with a project module
    that shadows an installed one), so it has no place in the package.
    """
    names = set(names)
    orphans = []
    for name in sorted(names):
        *directory, cache, filename = ["", *name.split("/")]
        if cache == "__pycache__" and filename.endswith(".pyc"):
            source = "/".join([*directory, filename.split(".", 1)[0] + ".py"]).lstrip("/")
            if source not in names:
                orphans.append(name)
    return orphans


def _prune_requirements(
    entries: dict[str, _Deflated], config: DeployConfig, *, say: Say
) -> set[str]:
    """The installed requirement files to leave out, as configured; says what and why."""
    static = config.prune_static
    patterns = config.prune
    pruned = pruned_files(
        entries,
        patterns=patterns,
        static=static and uses_static_storage(),
        locales=kept_locales() if config.prune_locales else None,
    )
    groups: dict[str, list[str]] = {
        reason: [] for reason in (*patterns, STATIC_SOURCES, UNUSED_TRANSLATIONS)
    }
    for name, reason in pruned.items():
        groups[reason].append(name)
    if pruned:
        say(
            "Left out of the requirements (never read at run time): "
            + ", ".join(
                f"{reason} ({_count(names, 'file')}, "
                f"{format_size(sum(entries[name].size for name in names))})"
                for reason, names in groups.items()
                if names
            )
            + f". {SETTING_NAME}['PRUNE'], ['PRUNE_STATIC'] and ['PRUNE_LOCALES'] choose what "
            "is left out."
        )
    if static and not groups[STATIC_SOURCES] and _app_static_dirs(entries):
        say(
            f"Keeping {STATIC_SOURCES}: STORAGES['staticfiles'] is not {STATIC_STORAGE}, "
            "so the function may serve them from the package."
        )
    return set(pruned)


def pruned_files(
    names: Iterable[str],
    *,
    patterns: Sequence[str],
    static: bool,
    locales: Collection[str] | None = None,
) -> dict[str, str]:
    """The files among ``names`` to leave out, each with why: the pattern it matched,
    ``STATIC_SOURCES`` (with ``static``) for a file in an app's ``static/`` directory, or
    ``UNUSED_TRANSLATIONS`` for a translation catalog whose locale is not in ``locales``
    (None keeps every locale).

    ``names`` are posix paths inside the install directory; ``patterns``
    follow ``excluded()``'s rules, from the install directory.
    """
    names = sorted(names)
    static_dirs = _app_static_dirs(names) if static else set()
    pruned: dict[str, str] = {}
    for name in names:
        if excluded(name, patterns):
            pruned[name] = next(pattern for pattern in patterns if excluded(name, (pattern,)))
        elif static_dirs and _static_dir(name, static_dirs) is not None:
            pruned[name] = STATIC_SOURCES
        elif (
            locales is not None
            and (catalog := _CATALOG.fullmatch(name))
            and catalog[1] not in locales
        ):
            pruned[name] = UNUSED_TRANSLATIONS
    return pruned


def kept_locales() -> frozenset[str]:
    """The locale directories whose translations the site reads (PRUNE_LOCALES keeps these).

    With USE_I18N off, django.utils.translation serves trans_null, which reads
    no catalog at all. With it on, Django activates only the languages in
    LANGUAGES (LocaleMiddleware, set_language) and falls back to LANGUAGE_CODE.
    """
    if not settings.USE_I18N:
        return frozenset()
    languages = {code for code, _name in settings.LANGUAGES} | {settings.LANGUAGE_CODE}
    return frozenset(name for language in languages for name in locale_names(language))


def locale_names(language: str) -> set[str]:
    """The locale directories gettext reads for the Django language code ``language``.

    Django asks gettext for the locale ("pt-br" -> "pt_BR"), and gettext also
    tries it as ``locale.normalize()`` spells it ("de" -> "de_DE"), and each
    without its territory ("pt_BR" -> "pt"), which is how "de-at" falls back to
    "de": https://docs.python.org/3/library/gettext.html#gettext.find
    """
    name = to_locale(language)
    normalized = locale.normalize(name).partition(".")[0].partition("@")[0]
    names = {name, normalized}
    return names | {each.partition("_")[0] for each in names}


def uses_static_storage() -> bool:
    """Whether ``STORAGES["staticfiles"]`` is ``StaticStorage`` or a subclass of it.

    Then ``collectstatic`` has put the apps' static files on S3 before the
    build, and the function reads only the manifest from the package.
    """
    backend = settings.STORAGES.get(STATICFILES_STORAGE_ALIAS, {}).get("BACKEND")
    try:
        return is_static_storage(backend)
    except ImportError as error:
        raise BuildError(
            f"STORAGES[{STATICFILES_STORAGE_ALIAS!r}]['BACKEND'] is {backend!r}, which cannot "
            f"be imported ({error}). Fix the setting, or set "
            f"{SETTING_NAME}['PRUNE_STATIC'] = False to skip this question."
        ) from None


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


def _app_static_dirs(names: Iterable[str]) -> set[str]:
    """The ``static`` directories of apps: right inside a Python package, where Django's
    ``AppDirectoriesFinder`` looks, and holding no Python module of their own.
    """
    names = list(names)
    packages = {name[: -len("/__init__.py")] for name in names if name.endswith("/__init__.py")}
    candidates = {package + "/static" for package in packages} - packages
    found: set[str] = set()
    with_code: set[str] = set()
    for name in names:
        directory = _static_dir(name, candidates)
        if directory is not None:
            found.add(directory)
            if name.endswith(_PYTHON_SUFFIXES):
                with_code.add(directory)
    return found - with_code


def _static_dir(name: str, directories: set[str]) -> str | None:
    """The directory among ``directories`` that holds ``name``, if any."""
    start = 0
    while (found := name.find("/static/", start)) != -1:
        directory = name[: found + len("/static")]
        if directory in directories:
            return directory
        start = found + 1
    return None


def platform_tags(architecture: object, python: str) -> list[str]:
    """pip's ``--platform`` values for a Lambda architecture and Python: every manylinux
    tag the runtime's glibc can load, newest first.

    pip widens none of the ``manylinux_2_X`` tags to older ones, so each is
    given; ``manylinux2014`` is given by its legacy name too, which older
    wheels carry instead of ``manylinux_2_17``.
    """
    try:
        machine = MACHINES[architecture]  # type: ignore[index]
    except (KeyError, TypeError):
        raise BuildError(
            f"{SETTING_NAME}['ARCHITECTURE'] is {architecture!r}; use 'x86_64' or 'arm64'."
        ) from None
    major, newest = runtime_glibc(python)
    return [
        *(f"manylinux_{major}_{minor}_{machine}" for minor in range(newest, 16, -1)),
        f"manylinux2014_{machine}",
    ]


def runtime_glibc(python: str) -> tuple[int, int]:
    """The glibc version of the system the Lambda runtime for ``python`` ("3.12") runs on."""
    return AMAZON_LINUX_2_GLIBC if python in AMAZON_LINUX_2_PYTHONS else AMAZON_LINUX_2023_GLIBC


def describe_platforms(platforms: Sequence[str]) -> str:
    """``platform_tags()``'s result for messages: the newest tag, "or older"."""
    return f"{platforms[0]} or older"


def python_version(runtime: object) -> str | None:
    """``"3.12"`` for ``"python3.12"``; None if ``runtime`` is not a usable Lambda runtime."""
    if not isinstance(runtime, str):
        return None
    match = re.fullmatch(r"python3\.([1-9]\d*)", runtime)
    if match is None or int(match[1]) < OLDEST_PYTHON_MINOR:
        return None
    return f"3.{int(match[1])}"


def format_size(size: int) -> str:
    # MiB, written "MB" as AWS does in its quotas (250 MB = 262,144,000 bytes).
    return f"{size / (1024 * 1024):.1f} MB"


def format_largest(largest: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {format_size(size)}" for name, size in largest) or "nothing"


def largest_top_level(sizes: dict[str, int], count: int = 5) -> list[tuple[str, int]]:
    """The ``count`` largest top-level packages (or modules) by unzipped bytes.

    ``*.dist-info`` directories are metadata, not packages: they count in the
    package's size but are not listed here.
    """
    totals: dict[str, int] = {}
    for name, size in sizes.items():
        top = _top_level(name)
        if not top.endswith(".dist-info"):
            totals[top] = totals.get(top, 0) + size
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:count]


def canonical_name(name: str) -> str:
    """A distribution name as PEP 503 normalizes it: ``Python_Dateutil`` -> ``python-dateutil``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def run_pip(args: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run pip with the interpreter that runs Django, so it is the pip the user set up."""
    return subprocess.run(
        [sys.executable, "-m", "pip", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def _top_level(name: str) -> str:
    return name.split("/", 1)[0]


def _requirements_file(config: DeployConfig, project_dir: Path, say: Say) -> Path | None:
    configured = config.requirements
    if configured is None:
        say(f"No requirements file ({SETTING_NAME}['REQUIREMENTS'] is None).")
        return None
    path = project_dir / Path(configured)
    if path.is_file():
        return path
    if config.requirements_explicit:
        raise BuildError(
            f"The requirements file {path} ({SETTING_NAME}['REQUIREMENTS']) does not exist. "
            "Create it, fix the path (relative to the project directory), or set it to None."
        )
    above = project_dir.parent / configured
    if above.is_file():
        say(
            f"No {configured} in {project_dir}: installing no requirements. There is one a "
            f"level up, {above}: set {SETTING_NAME}['REQUIREMENTS'] = "
            f"'../{PurePosixPath(configured)}' to install it."
        )
        return None
    say(f"No {configured} in {project_dir}: installing no requirements.")
    return None


def _requirements_key(
    requirements: Path,
    *,
    platforms: Sequence[str],
    python: str,
    left_out: list[str],
    compiles: bool,
) -> str:
    """What the installed requirements depend on; equal keys mean the install can be reused."""
    digest = hashlib.sha256()
    digest.update(json.dumps([list(platforms), python, "cp", left_out, compiles]).encode())
    seen: set[Path] = set()
    pending = [requirements]
    while pending:
        path = pending.pop(0).resolve()
        if path in seen:
            continue
        seen.add(path)
        digest.update(str(path).encode() + b"\0")
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            # pip reports the missing file; the key only needs to differ.
            digest.update(b"missing\0")
            continue
        digest.update(text.encode() + b"\0")
        for line in text.splitlines():
            match = _NESTED_REQUIREMENTS.match(line)
            if match and "://" not in match[1]:
                pending.append(path.parent / match[1])
    return digest.hexdigest()


def runtime_packages_left_out(config: DeployConfig) -> list[str]:
    """The distributions the build leaves out because the Lambda runtime has them."""
    if not config.exclude_runtime_packages:
        return []
    return sorted({canonical_name(name) for name in config.runtime_packages})


def _install_requirements(
    requirements: Path,
    *,
    project_dir: Path,
    build_root: Path,
    platforms: Sequence[str],
    python: str,
    left_out: list[str],
    say: Say,
    reinstall: bool,
    compiles: bool,
) -> tuple[Path, Path, bool]:
    """Install the requirements (or reuse the last install) and return where they are.

    Returns the install directory, a zip of it whose entries are already
    deflated (so a warm build copies them instead of compressing them again),
    and whether the install was reused. With ``compiles``, the install holds
    each module's bytecode too, compiled once here.
    """
    installed = build_root / "requirements"
    cache_zip = build_root / "requirements.zip"
    stamp = build_root / "requirements.stamp"
    key = _requirements_key(
        requirements, platforms=platforms, python=python, left_out=left_out, compiles=compiles
    )
    if (
        not reinstall
        and installed.is_dir()
        and cache_zip.is_file()
        and stamp.is_file()
        and stamp.read_text(encoding="utf-8").strip() == key
    ):
        say(f"Requirements unchanged: reusing {installed}.")
        return installed, cache_zip, True

    major, minor = runtime_glibc(python)
    say(
        f"Installing {requirements.name} for {describe_platforms(platforms)} "
        f"(glibc {major}.{minor}), Python {python}."
    )
    fresh = build_root / "requirements.tmp"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.parent.mkdir(parents=True, exist_ok=True)
    process = run_pip(
        [
            "install",
            "--target",
            str(fresh),
            *(argument for tag in platforms for argument in ("--platform", tag)),
            "--python-version",
            python,
            "--implementation",
            "cp",
            "--only-binary=:all:",
            # pip's bytecode checks timestamps and names this machine's paths;
            # _compile_tree writes bytecode that depends on the sources alone.
            "--no-compile",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
            str(requirements),
        ],
        cwd=project_dir,
    )
    if process.returncode != 0:
        shutil.rmtree(fresh, ignore_errors=True)
        platform = describe_platforms(platforms)
        raise _pip_error(process, requirements=requirements, platform=platform, python=python)
    for line in process.stdout.splitlines():
        if line.startswith("Successfully installed"):
            say(line)

    if left_out:
        removed = remove_distributions(fresh, left_out)
        if removed:
            say(
                "Left out (the Lambda runtime provides them): "
                + ", ".join(removed)
                + f". Set {SETTING_NAME}['EXCLUDE_RUNTIME_PACKAGES'] = False to ship your own."
            )
    if compiles:
        _compile_tree(fresh, say)
    # The stamp goes first and comes back last, so an interrupted build never
    # pairs a stamp with an install it does not describe.
    stamp.unlink(missing_ok=True)
    _write_zip(dict(_walk(fresh)), cache_zip, cached={}, cache_zip=None)
    shutil.rmtree(installed, ignore_errors=True)
    fresh.rename(installed)
    stamp.write_text(key + "\n", encoding="utf-8")
    return installed, cache_zip, False


def _pip_error(
    process: subprocess.CompletedProcess[str], *, requirements: Path, platform: str, python: str
) -> BuildError:
    output = (process.stderr or "") + (process.stdout or "")
    tail = "\n".join(output.strip().splitlines()[-15:])
    missing = _NO_WHEEL.search(output)
    if missing:
        requirement = missing[1]
        name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
        return BuildError(
            f"No wheel of {requirement!r} (from {requirements.name}) for Lambda's platform "
            f"{platform}, CPython {python}. The build installs wheels only, because a "
            "package built from source here would be built for this machine, not for Lambda.\n"
            f"Fix: pin a version of {name} that publishes a wheel for {platform} (or a "
            f"pure-Python py3-none-any one) for Python {python}, or vendor it: build that wheel "
            "yourself "
            "(for example in the public.ecr.aws/lambda/python image) and point pip at its "
            "directory with PIP_FIND_LINKS=<dir>.\n"
            f"pip said:\n{tail}"
        )
    return BuildError(
        f"pip could not install {requirements} for {platform}, CPython {python} "
        f"(exit code {process.returncode}). pip said:\n{tail}"
    )


def remove_distributions(site: Path, names: Iterable[str]) -> list[str]:
    """Delete the installed distributions named in ``names`` from ``site``.

    A name matches a distribution's own name (``python-dateutil``) or one of the
    top-level packages it installs (``dateutil``). Files come from the
    distribution's RECORD (its ``top_level.txt`` when there is no RECORD), so a
    distribution whose import name differs from its name goes completely.
    Returns the names of the distributions removed, sorted.
    """
    wanted = {canonical_name(name) for name in names}
    site = site.resolve()
    removed: list[str] = []
    for dist_info in sorted(site.glob("*.dist-info")):
        name = _distribution_name(dist_info)
        paths = _record_paths(site, dist_info)
        tops = {_top_level(path.relative_to(site).as_posix()) for path in paths}
        tops |= _top_level_names(dist_info)
        # Import names: not the metadata, not the scripts pip put in bin/.
        tops = {
            top.removesuffix(".py")
            for top in tops
            if top != "bin" and not top.endswith(".dist-info")
        }
        if canonical_name(name) not in wanted and not wanted & {canonical_name(t) for t in tops}:
            continue
        if not paths:
            paths = [site / top for top in tops] + [site / f"{top}.py" for top in tops]
        for path in paths:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
            _remove_empty_parents(path.parent, site)
        shutil.rmtree(dist_info, ignore_errors=True)
        removed.append(name)
    return sorted(removed, key=str.lower)


def _distribution_name(dist_info: Path) -> str:
    metadata = dist_info / "METADATA"
    if metadata.is_file():
        for line in metadata.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("name:"):
                return line.split(":", 1)[1].strip()
            if not line:
                break
    return dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0]


def _record_paths(site: Path, dist_info: Path) -> list[Path]:
    """Files a distribution installed inside ``site``, from its RECORD."""
    record = dist_info / "RECORD"
    if not record.is_file():
        return []
    paths = []
    with record.open(encoding="utf-8", newline="") as rows:
        for row in csv.reader(rows):
            if not row:
                continue
            recorded = PurePosixPath(row[0])
            if recorded.parts[:1] == ("..",):
                # pip install --target records scripts as ../../bin/NAME, where
                # they were before it moved them into <target>/bin.
                inside = [part for part in recorded.parts if part != ".."]
                if inside[:1] != ["bin"]:
                    continue
                recorded = PurePosixPath(*inside)
            path = (site / recorded).resolve()
            if path.is_relative_to(site) and path != site and dist_info not in path.parents:
                paths.append(path)
    return paths


def _top_level_names(dist_info: Path) -> set[str]:
    top_level = dist_info / "top_level.txt"
    if not top_level.is_file():
        return set()
    return {line.strip() for line in top_level.read_text(encoding="utf-8").splitlines() if line}


def _remove_empty_parents(directory: Path, site: Path) -> None:
    while directory != site and directory.is_relative_to(site):
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


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


def _walk(
    root: Path,
    *,
    patterns: Iterable[str] = (),
    skip: Iterable[Path] = (),
    skip_virtualenvs: bool = False,
    inside: Path | None = None,
    left_out: Callable[[str], None] | None = None,
) -> Iterator[tuple[str, Path]]:
    """(path relative to ``root`` in posix form, path) for every file not left out.

    With ``inside``, a link that leads out of that directory is a BuildError.
    ``left_out`` hears of each file or directory that ``patterns`` leave out.
    """
    patterns = tuple(patterns)
    skip = set(skip)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        here = Path(dirpath)
        prefix = here.relative_to(root).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        kept = []
        for name in sorted(dirnames):
            path = here / name
            if path in skip or (skip_virtualenvs and (path / "pyvenv.cfg").is_file()):
                continue
            if excluded(prefix + name, patterns):
                if left_out is not None:
                    left_out(prefix + name)
                continue
            if path.is_symlink():
                # A link to a directory above would be walked forever.
                if here.resolve().is_relative_to(path.resolve()):
                    continue
                if inside is not None:
                    _check_link(path, inside)
            kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            path = here / name
            if path in skip:
                continue
            if excluded(prefix + name, patterns):
                if left_out is not None:
                    left_out(prefix + name)
                continue
            if inside is not None and path.is_symlink():
                _check_link(path, inside)
            yield prefix + name, path


def _check_link(link: Path, inside: Path) -> None:
    """A BuildError if the symbolic link ``link`` leads out of the directory ``inside``.

    Following it would ship whatever it points to (a home directory, ~/.ssh, ...);
    leaving it out silently would ship a site without files it uses.
    """
    target = link.resolve()
    if target.is_relative_to(inside):
        return
    relative = link.relative_to(inside).as_posix()
    raise BuildError(
        f"{relative} is a symbolic link to {target}, outside the project directory {inside}, "
        "and the build does not follow links out of the project. Copy what the function "
        f"needs into the project, or leave the link out: {SETTING_NAME}['EXCLUDE'] = "
        f"[{relative!r}]."
    )


def project_files(config: DeployConfig, *, skip: Iterable[Path], say: Say) -> dict[str, Path]:
    """The project's files that go into the package: {name in the zip: path}.

    Everything in the project directory but ``NEVER_SHIP``, ``SECRETS``,
    ``DEFAULT_EXCLUDE``, ``EXCLUDE``, virtualenvs and ``skip``; then what
    ``INCLUDE`` brings back, never ``NEVER_SHIP`` or ``skip``; then the static
    manifest. A symbolic link out of the project is a BuildError.
    """
    project_dir = config.project_dir.resolve()
    skip = set(skip)
    # Secret-looking paths left out (a directory counts once), for the summary.
    hidden: set[str] = set()

    def hide(relative: str, prefix: str = "") -> None:
        if excluded(prefix + relative, (*NEVER_SHIP, *SECRETS)):
            hidden.add(prefix + relative)

    patterns = (*NEVER_SHIP, *SECRETS, *DEFAULT_EXCLUDE, *config.exclude)
    files = dict(
        _walk(
            project_dir,
            patterns=patterns,
            skip=skip,
            skip_virtualenvs=True,
            inside=project_dir,
            left_out=hide,
        )
    )
    for pattern in config.include:
        if Path(pattern).is_absolute() or not Path(pattern).parts:
            what = "is absolute" if Path(pattern).is_absolute() else "names no file"
            raise BuildError(
                f"{SETTING_NAME}['INCLUDE'] has the pattern {pattern!r}, which {what}. "
                f"{INCLUDE_HINT}"
            )
        try:
            matches = sorted(project_dir.glob(pattern))
        except (ValueError, NotImplementedError) as error:
            raise BuildError(
                f"{SETTING_NAME}['INCLUDE'] has the pattern {pattern!r}, which cannot be used "
                f"({error}). Write patterns relative to the project directory, such as "
                "'data/*.csv' or 'vendor/**'."
            ) from None
        if not matches:
            say(f"Warning: {SETTING_NAME}['INCLUDE'] pattern {pattern!r} matches nothing.")
        refused, shipped_secrets = [], []
        for match in matches:
            path = _inside_project(pattern, match, project_dir)
            if any(path == s or s in path.parents for s in skip):
                continue  # the build's own output
            relative = path.relative_to(project_dir).as_posix()
            if excluded(relative, NEVER_SHIP):
                refused.append(relative)
                continue
            _check_links_to(path, project_dir)
            # A pattern that matches a secret-looking path itself brings it back;
            # a directory it matches brings back none of those inside it.
            secret = excluded(relative, SECRETS)
            if path.is_dir():
                prefix = "" if path == project_dir else relative + "/"
                for inner_relative, inner in _walk(
                    path,
                    patterns=NEVER_SHIP if secret else (*NEVER_SHIP, *SECRETS),
                    skip=skip,
                    inside=project_dir,
                    left_out=functools.partial(hide, prefix=prefix),
                ):
                    files[prefix + inner_relative] = inner
            elif path.is_file():
                files[relative] = path
            else:
                continue
            if secret:
                shipped_secrets.append(relative)
                hidden.discard(relative)
        if shipped_secrets:
            say(
                f"Warning: {SETTING_NAME}['INCLUDE'] pattern {pattern!r} ships "
                f"{_count(shipped_secrets, 'secret-looking path')} ("
                + ", ".join(shipped_secrets[:3])
                + (", ..." if len(shipped_secrets) > 3 else "")
                + "), which the build leaves out by default: make sure no private key or "
                "credential is in the package. Give the function its secrets through "
                f"{SETTING_NAME}['ENVIRONMENT'] or a secrets store instead."
            )
        if refused:
            say(
                f"Warning: {SETTING_NAME}['INCLUDE'] pattern {pattern!r} matches "
                f"{_count(refused, 'path')} left out all the same ("
                + ", ".join(refused[:3])
                + (", ..." if len(refused) > 3 else "")
                + f"): secrets and version control ({', '.join(NEVER_SHIP)}) never ship, "
                "whatever INCLUDE says. Give the function its secrets through "
                f"{SETTING_NAME}['ENVIRONMENT'] or a secrets store instead."
            )
    if hidden:
        say(_hidden_summary(hidden))
    # A package an earlier build wrote into the project (--build-only out.zip),
    # under whatever name, never goes into the next one.
    outputs = sorted(name for name, path in files.items() if is_build_output(path))
    for name in outputs:
        del files[name]
    if outputs:
        say("Left out packages an earlier build wrote here: " + ", ".join(outputs) + ".")
    # git ignores the manifest (it is build output), but the package needs it:
    # StaticStorage reads it from here instead of from S3 on a cold start.
    manifest = config.manifest_dir.resolve() / MANIFEST_NAME
    if manifest.is_file():
        if manifest.is_relative_to(project_dir):
            files[manifest.relative_to(project_dir).as_posix()] = manifest
        else:
            say(
                f"Warning: the static manifest {manifest} is outside the project directory "
                f"{project_dir}, so it is not in the package. Point "
                f"{SETTING_NAME}['STATIC_MANIFEST_DIR'] inside the project."
            )
    return files


def is_build_output(path: Path) -> bool:
    """Whether ``path`` is a zip the build wrote: its end record carries ``ZIP_COMMENT``."""
    if not path.name.lower().endswith(".zip"):
        return False
    tail = _END.size + len(ZIP_COMMENT)
    try:
        with path.open("rb") as stream:
            stream.seek(-tail, os.SEEK_END)
            data = stream.read(tail)
    except OSError:  # shorter than an end record, or unreadable
        return False
    return data[:4] == b"PK\x05\x06" and data[_END.size :] == ZIP_COMMENT


def _inside_project(pattern: str, path: Path, project_dir: Path) -> Path:
    """``path``, which the INCLUDE ``pattern`` matched, without ``..``; it must be in the project.

    Without ``..`` a match is inside the project, even through a link that
    points elsewhere, as for the files the walk finds.
    """
    if os.pardir in path.parts:
        # The file system reads "link/.." as the parent of the link's target.
        path = path.resolve()
    if not path.is_relative_to(project_dir):
        raise BuildError(
            f"{SETTING_NAME}['INCLUDE'] has the pattern {pattern!r}, which matches {path}, "
            f"outside the project directory {project_dir}. {INCLUDE_HINT}"
        )
    return path


def _check_links_to(path: Path, project_dir: Path) -> None:
    """``_check_link`` for ``path`` and each of its directories inside ``project_dir``."""
    for step in (path, *path.parents):
        if step == project_dir or not step.is_relative_to(project_dir):
            return
        if step.is_symlink():
            _check_link(step, project_dir)


def _hidden_summary(hidden: set[str]) -> str:
    """One line: how many secret-looking paths the build left out, by pattern."""
    counts: dict[str, int] = {}
    for relative in hidden:
        pattern = next(p for p in (*NEVER_SHIP, *SECRETS) if excluded(relative, (p,)))
        counts[pattern] = counts.get(pattern, 0) + 1
    by_pattern = ", ".join(
        f"{pattern} {counts[pattern]}" for pattern in (*NEVER_SHIP, *SECRETS) if pattern in counts
    )
    return (
        f"Left out {_count(hidden, 'secret-looking path')} ({by_pattern}): private keys, "
        f"credentials and version control stay out of the package. {SETTING_NAME}['INCLUDE'] "
        f"brings back one the function needs (but never {', '.join(NEVER_SHIP)})."
    )


def _count(items: Sized, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def own_source() -> dict[str, Path]:
    """This installation's ``django_lambda`` package: {name in the zip: path}."""
    import django_lambda

    source = Path(django_lambda.__file__).resolve().parent
    return {
        f"django_lambda/{relative}": path
        for relative, path in _walk(source, patterns=("__pycache__", "*.pyc"))
    }


def _stage(files: dict[str, Path], staging: Path, *, linked: set[str]) -> None:
    """Make ``staging`` hold exactly ``files``, touching only what changed."""
    existing = dict(_walk(staging)) if staging.is_dir() else {}
    emptied = set()
    for name in existing.keys() - files.keys():
        existing.pop(name).unlink()
        emptied.add((staging / name).parent)
    for directory in sorted(emptied, key=lambda path: len(path.parts), reverse=True):
        _remove_empty_parents(directory, staging)
    present = {path.parent for path in existing.values()}
    for name in sorted(files):
        source, destination = files[name], staging / name
        if name in existing:
            if _same_file(source, destination, linked=name in linked):
                continue
            destination.unlink()
        elif destination.parent not in present:
            destination.parent.mkdir(parents=True, exist_ok=True)
            present.add(destination.parent)
        if name in linked:
            try:
                os.link(source, destination)
                continue
            except OSError:
                pass  # another file system, or one without hard links: copy instead
        shutil.copy(source, destination)


def _same_file(source: Path, destination: Path, *, linked: bool) -> bool:
    if linked:
        return os.path.samefile(source, destination)
    return _mode(source) == _mode(destination) and filecmp.cmp(source, destination, shallow=False)


def _mode(path: Path) -> int:
    return EXECUTABLE_MODE if path.stat().st_mode & 0o111 else FILE_MODE


# The zip is written here rather than with zipfile so that every byte is
# fixed by this code (no Python-version differences in header fields), and so
# that entries deflated once can be copied into later zips as they are.
# Format: https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_END64_LOCATOR = struct.Struct("<IIQI")
_VERSION = 20  # 2.0: deflate
_VERSION64 = 45  # 4.5: zip64 end records
_UNIX = 3
_DEFLATE = 8
_UTF8_NAME = 0x800
_DOS_TIME = 0
_DOS_DATE = ((ZIP_DATE_TIME[0] - 1980) << 9) | (ZIP_DATE_TIME[1] << 5) | ZIP_DATE_TIME[2]


@dataclass(frozen=True)
class _Deflated:
    """An entry of the requirements cache zip: where its deflated bytes are and what they hold."""

    offset: int
    compressed_size: int
    crc: int
    size: int
    mode: int


class ZipWriter:
    """Writes deflated entries with fixed timestamps and modes, in the order given."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.central: list[bytes] = []

    def add(self, name: str, *, data: bytes, mode: int) -> None:
        compressor = zlib.compressobj(ZIP_COMPRESSLEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        compressed = compressor.compress(data) + compressor.flush()
        self.add_deflated(name, compressed, crc=zlib.crc32(data), size=len(data), mode=mode)

    def add_deflated(self, name: str, compressed: bytes, *, crc: int, size: int, mode: int) -> None:
        if max(size, len(compressed), self.stream.tell()) >= 0xFFFFFFFF:
            raise BuildError(f"{name} is too large for a Lambda package.")
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else _UTF8_NAME
        offset = self.stream.tell()
        sizes = (_DEFLATE, _DOS_TIME, _DOS_DATE, crc, len(compressed), size, len(encoded))
        self.stream.write(_LOCAL_HEADER.pack(0x04034B50, _VERSION, flags, *sizes, 0))
        self.stream.write(encoded)
        self.stream.write(compressed)
        attributes = (stat.S_IFREG | mode) << 16
        self.central.append(
            _CENTRAL_HEADER.pack(
                0x02014B50,
                (_UNIX << 8) | _VERSION,
                _VERSION,
                flags,
                *sizes,
                0,
                0,
                0,
                0,
                attributes,
                offset,
            )
            + encoded
        )

    def close(self) -> None:
        start = self.stream.tell()
        for header in self.central:
            self.stream.write(header)
        size = self.stream.tell() - start
        count = len(self.central)
        if count >= 0xFFFF:
            # More entries than the classic end record can count: add the
            # zip64 end record and its locator, and mark the classic one.
            end64 = self.stream.tell()
            self.stream.write(
                _END64.pack(
                    0x06064B50,
                    _END64.size - 12,
                    (_UNIX << 8) | _VERSION64,
                    _VERSION64,
                    0,
                    0,
                    count,
                    count,
                    size,
                    start,
                )
            )
            self.stream.write(_END64_LOCATOR.pack(0x07064B50, 0, end64, 1))
            count = 0xFFFF
        self.stream.write(_END.pack(0x06054B50, 0, 0, count, count, size, start, len(ZIP_COMMENT)))
        self.stream.write(ZIP_COMMENT)


def _write_zip(
    files: dict[str, Path],
    zip_path: Path,
    *,
    cached: dict[str, _Deflated],
    cache_zip: Path | None,
) -> None:
    """Zip ``files`` sorted by name, without directory entries; copy ``cached`` ones as they are."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    partial = zip_path.with_name(zip_path.name + ".partial")
    with (
        partial.open("wb") as stream,
        cache_zip.open("rb") if cache_zip else nullcontext() as cache,
    ):
        writer = ZipWriter(stream)
        for name in sorted(files):
            entry = cached.get(name)
            if entry is not None and cache is not None:
                cache.seek(entry.offset)
                writer.add_deflated(
                    name,
                    cache.read(entry.compressed_size),
                    crc=entry.crc,
                    size=entry.size,
                    mode=entry.mode,
                )
            else:
                path = files[name]
                writer.add(name, data=path.read_bytes(), mode=_mode(path))
        writer.close()
    os.replace(partial, zip_path)


def _read_deflated(cache_zip: Path) -> dict[str, _Deflated]:
    """Where each entry's deflated bytes are in a zip that ``ZipWriter`` wrote."""
    entries = {}
    try:
        with zipfile.ZipFile(cache_zip) as archive, cache_zip.open("rb") as raw:
            for info in archive.infolist():
                raw.seek(info.header_offset)
                header = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
                if header[0] != 0x04034B50 or info.compress_type != zipfile.ZIP_DEFLATED:
                    raise zipfile.BadZipFile(f"unexpected entry {info.filename}")
                entries[info.filename] = _Deflated(
                    offset=info.header_offset + _LOCAL_HEADER.size + header[-2] + header[-1],
                    compressed_size=info.compress_size,
                    crc=info.CRC,
                    size=info.file_size,
                    mode=stat.S_IMODE(info.external_attr >> 16),
                )
    except (zipfile.BadZipFile, struct.error) as error:
        raise BuildError(
            f"The requirements cache {cache_zip} is damaged ({error}). Delete "
            f"{cache_zip.parent} and build again."
        ) from None
    return entries
