"""Building the deploy package: requirements for the Lambda platform, project files, zip."""

from __future__ import annotations

import base64
import csv
import fnmatch
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django_lambda.conf import lambda_settings

# Lambda refuses function code larger than this once unzipped, layers included
# ("Unzipped size must be smaller than 262144000 bytes"):
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
UNZIPPED_LIMIT = 262_144_000

# pip's --platform for each Lambda architecture. Lambda's Python runtimes run
# on Amazon Linux 2023 (glibc 2.34), so manylinux2014 wheels, and the older
# manylinux tags pip accepts along with it, all load there.
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}

# Lambda's Python runtimes start at python3.10 among those still supported
# for new functions; later ones are accepted as they appear.
OLDEST_PYTHON_MINOR = 10

# Zip entries: fixed timestamp, fixed modes, fixed compression, so the same
# files give the same bytes and the same CodeSha256 on every build.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_COMPRESSLEVEL = 6
FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755

# The static manifest that StaticStorage writes into the package.
MANIFEST_NAME = "staticfiles.json"

# Left out of the project copy. A pattern without "/" matches a file or
# directory name at any depth; one with "/" matches the path from the project
# directory. A matching directory is left out with everything below it.
DEFAULT_EXCLUDE = (
    # version control
    ".git",
    ".hg",
    ".svn",
    # caches and compiled files
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".tox",
    ".nox",
    ".DS_Store",
    # virtualenvs (any directory holding a pyvenv.cfg is left out too) and tooling
    ".venv",
    "venv",
    "node_modules",
    "*.egg-info",
    # secrets
    ".env*",
    # tests
    "tests",
    "test_*.py",
    "tests.py",
    "conftest.py",
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


def build_package(
    *,
    output: Path | None = None,
    log: Callable[[str], None] | None = None,
    reinstall: bool = False,
) -> BuildResult:
    """Build the deploy zip for the configured project and return what was built.

    Requirements are installed with pip for the function's platform into
    ``<BUILD_DIR>/requirements/`` and reused while the requirements file, the
    runtime and the architecture stay the same (``reinstall=True`` forces a
    fresh install). pip runs as ``sys.executable -m pip`` and honours its own
    configuration, so ``PIP_INDEX_URL``, ``PIP_NO_INDEX=1`` and
    ``PIP_FIND_LINKS=<dir>`` work as usual. The package is staged in
    ``<BUILD_DIR>/build/`` and zipped to ``output`` (default
    ``<BUILD_DIR>/package.zip``).
    """
    say = log or _quiet
    project_dir = lambda_settings.project_dir.resolve()
    if not project_dir.is_dir():
        raise BuildError(
            f"The project directory {project_dir} does not exist. Set "
            "DJANGO_LAMBDA['PROJECT_DIR'] (or settings.BASE_DIR) to the directory "
            "that holds manage.py."
        )
    platform = platform_for(lambda_settings.ARCHITECTURE)
    python = python_version(lambda_settings.runtime)
    if python is None:
        raise BuildError(
            f"DJANGO_LAMBDA['RUNTIME'] is {lambda_settings.runtime!r}, which is not a Lambda "
            f"Python runtime (python3.{OLDEST_PYTHON_MINOR} or later). Set it to one, "
            "for example 'python3.12'."
        )
    build_root = lambda_settings.build_dir.resolve()
    zip_path = Path(output).resolve() if output else build_root / "package.zip"

    files: dict[str, Path] = {}
    installed_files: dict[str, Path] = {}
    reused = False
    requirements = _requirements_file(project_dir, say)
    if requirements is not None:
        installed, reused = _install_requirements(
            requirements,
            project_dir=project_dir,
            build_root=build_root,
            platform=platform,
            python=python,
            say=say,
            reinstall=reinstall,
        )
        installed_files = dict(_walk(installed))
        files.update(installed_files)

    project_files = _project_files(project_dir, skip=(build_root, zip_path), say=say)
    shadowed = sorted({_top_level(name) for name in project_files if name in files})
    if shadowed:
        say("The project's own copy wins over the installed one for: " + ", ".join(shadowed))
    files.update(project_files)

    if "django_lambda/__init__.py" not in files:
        say("Adding django_lambda from this installation (not in the project or requirements).")
        files.update(_own_source())
    if "django/__init__.py" not in files:
        say(
            "Note: Django is not in the package; the function cannot start without it. "
            "List it in the requirements file."
        )

    sizes = {name: path.stat().st_size for name, path in files.items()}
    unzipped_size = sum(sizes.values())
    largest = largest_top_level(sizes)
    if unzipped_size > UNZIPPED_LIMIT:
        raise BuildError(
            f"The package is {format_size(unzipped_size)} unzipped; Lambda refuses more than "
            f"{format_size(UNZIPPED_LIMIT)}. Largest: {format_largest(largest)}. Leave out "
            "what the function does not need (DJANGO_LAMBDA['EXCLUDE'], a smaller "
            "requirements file) or move large dependencies to a layer or a container image."
        )

    staging = build_root / "build"
    # Installed requirements are hard-linked (they never change in place: a
    # reinstall replaces the directory); project files are copied.
    linked = {name for name, path in installed_files.items() if files[name] == path}
    _stage(files, staging, linked=linked)
    _write_zip(staging, sorted(files), zip_path)
    digest = hashlib.sha256()
    with zip_path.open("rb") as zipped:
        for chunk in iter(lambda: zipped.read(1 << 20), b""):
            digest.update(chunk)
    result = BuildResult(
        zip_path=zip_path,
        sha256=base64.b64encode(digest.digest()).decode("ascii"),
        zipped_size=zip_path.stat().st_size,
        unzipped_size=unzipped_size,
        largest=largest,
        reused_requirements=reused,
    )
    say(
        f"Built {zip_path}: {format_size(result.zipped_size)} zipped, "
        f"{format_size(unzipped_size)} unzipped, {len(files)} files. "
        f"Largest: {format_largest(largest)}."
    )
    return result


def platform_for(architecture: object) -> str:
    """pip's ``--platform`` for a Lambda architecture."""
    try:
        return PLATFORMS[architecture]  # type: ignore[index]
    except (KeyError, TypeError):
        raise BuildError(
            f"DJANGO_LAMBDA['ARCHITECTURE'] is {architecture!r}; use 'x86_64' or 'arm64'."
        ) from None


def python_version(runtime: object) -> str | None:
    """``"3.12"`` for ``"python3.12"``; None if ``runtime`` is not a usable Lambda runtime."""
    if not isinstance(runtime, str):
        return None
    match = re.fullmatch(r"python3\.(\d+)", runtime)
    if match is None or int(match[1]) < OLDEST_PYTHON_MINOR:
        return None
    return f"3.{int(match[1])}"


def format_size(size: int) -> str:
    # MiB, written "MB" as AWS does in its quotas (250 MB = 262,144,000 bytes).
    return f"{size / (1024 * 1024):.1f} MB"


def format_largest(largest: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {format_size(size)}" for name, size in largest) or "nothing"


def largest_top_level(sizes: dict[str, int], count: int = 5) -> list[tuple[str, int]]:
    """The ``count`` largest top-level packages (or modules) by unzipped bytes."""
    totals: dict[str, int] = {}
    for name, size in sizes.items():
        top = _top_level(name)
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


def _quiet(message: str) -> None:
    pass


def _top_level(name: str) -> str:
    return name.split("/", 1)[0]


def _requirements_file(project_dir: Path, say: Callable[[str], None]) -> Path | None:
    configured = lambda_settings.REQUIREMENTS
    if configured is None:
        say("No requirements file (DJANGO_LAMBDA['REQUIREMENTS'] is None).")
        return None
    path = project_dir / Path(configured)
    if path.is_file():
        return path
    user = lambda_settings.user_dict
    if isinstance(user, dict) and "REQUIREMENTS" in user:
        raise BuildError(
            f"The requirements file {path} (DJANGO_LAMBDA['REQUIREMENTS']) does not exist. "
            "Create it, fix the path (relative to the project directory), or set it to None."
        )
    say(f"No {configured} in {project_dir}: installing no requirements.")
    return None


def _requirements_key(requirements: Path, *, platform: str, python: str) -> str:
    """What the installed requirements depend on; equal keys mean the install can be reused."""
    digest = hashlib.sha256()
    digest.update(json.dumps([platform, python, "cp", _runtime_packages_left_out()]).encode())
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


def _runtime_packages_left_out() -> list[str]:
    if not lambda_settings.EXCLUDE_RUNTIME_PACKAGES:
        return []
    return sorted({canonical_name(name) for name in lambda_settings.RUNTIME_PACKAGES})


def _install_requirements(
    requirements: Path,
    *,
    project_dir: Path,
    build_root: Path,
    platform: str,
    python: str,
    say: Callable[[str], None],
    reinstall: bool,
) -> tuple[Path, bool]:
    installed = build_root / "requirements"
    stamp = build_root / "requirements.stamp"
    key = _requirements_key(requirements, platform=platform, python=python)
    if (
        not reinstall
        and installed.is_dir()
        and stamp.is_file()
        and stamp.read_text(encoding="utf-8").strip() == key
    ):
        say(f"Requirements unchanged: reusing {installed}.")
        return installed, True

    say(f"Installing {requirements.name} for {platform}, Python {python}.")
    fresh = build_root / "requirements.tmp"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.parent.mkdir(parents=True, exist_ok=True)
    process = run_pip(
        [
            "install",
            "--target",
            str(fresh),
            "--platform",
            platform,
            "--python-version",
            python,
            "--implementation",
            "cp",
            "--only-binary=:all:",
            # Bytecode would be for this interpreter, not the runtime's, and
            # varies from build to build.
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
        raise _pip_error(process, requirements=requirements, platform=platform, python=python)

    left_out = _runtime_packages_left_out()
    if left_out:
        removed = remove_distributions(fresh, left_out)
        if removed:
            say(
                "Left out (the Lambda runtime provides them): "
                + ", ".join(removed)
                + ". Set DJANGO_LAMBDA['EXCLUDE_RUNTIME_PACKAGES'] = False to ship your own."
            )
    # The stamp goes first and comes back last, so an interrupted build never
    # pairs a stamp with an install it does not describe.
    stamp.unlink(missing_ok=True)
    shutil.rmtree(installed, ignore_errors=True)
    fresh.rename(installed)
    stamp.write_text(key + "\n", encoding="utf-8")
    return installed, False


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
            f"Fix: pin a version of {name} that publishes a {platform} (or pure-Python "
            f"py3-none-any) wheel for Python {python}, or vendor it: build that wheel yourself "
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
        tops = {top.removesuffix(".py") for top in tops if not top.endswith(".dist-info")}
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
            path = (site / row[0]).resolve()
            # Scripts are recorded relative to a bin/ that --target moved; skip
            # anything that does not land inside the install directory.
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
    path; a pattern with ``/`` matches the whole path (``*`` crosses ``/``).
    """
    names = relative.split("/")
    for pattern in patterns:
        pattern = pattern.strip("/")
        if "/" in pattern:
            if fnmatch.fnmatchcase(relative, pattern):
                return True
        elif any(fnmatch.fnmatchcase(name, pattern) for name in names):
            return True
    return False


def _walk(
    root: Path,
    *,
    patterns: Iterable[str] = (),
    skip: Iterable[Path] = (),
    skip_virtualenvs: bool = False,
) -> Iterator[tuple[str, Path]]:
    """(path relative to ``root`` in posix form, path) for every file not left out."""
    patterns = tuple(patterns)
    skip = set(skip)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        here = Path(dirpath)
        prefix = here.relative_to(root).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        kept = []
        for name in sorted(dirnames):
            path = here / name
            if (
                path in skip
                or excluded(prefix + name, patterns)
                or (skip_virtualenvs and (path / "pyvenv.cfg").is_file())
            ):
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            path = here / name
            if path not in skip and not excluded(prefix + name, patterns):
                yield prefix + name, path


def _project_files(
    project_dir: Path, *, skip: Iterable[Path], say: Callable[[str], None]
) -> dict[str, Path]:
    patterns = (*DEFAULT_EXCLUDE, *lambda_settings.EXCLUDE)
    files = dict(_walk(project_dir, patterns=patterns, skip=skip, skip_virtualenvs=True))
    for pattern in lambda_settings.INCLUDE:
        try:
            matches = sorted(project_dir.glob(pattern))
        except (ValueError, NotImplementedError) as error:
            raise BuildError(
                f"DJANGO_LAMBDA['INCLUDE'] has the pattern {pattern!r}, which cannot be used "
                f"({error}). Write patterns relative to the project directory, such as "
                "'data/*.csv' or 'vendor/**'."
            ) from None
        if not matches:
            say(f"Warning: DJANGO_LAMBDA['INCLUDE'] pattern {pattern!r} matches nothing.")
        for path in matches:
            if path.is_dir():
                for relative, inner in _walk(path):
                    files[(path / relative).relative_to(project_dir).as_posix()] = inner
            elif path.is_file():
                files[path.relative_to(project_dir).as_posix()] = path
    # git ignores the manifest (it is build output), but the package needs it:
    # StaticStorage reads it from here instead of from S3 on a cold start.
    manifest = lambda_settings.manifest_dir.resolve() / MANIFEST_NAME
    if manifest.is_file():
        if manifest.is_relative_to(project_dir):
            files[manifest.relative_to(project_dir).as_posix()] = manifest
        else:
            say(
                f"Warning: the static manifest {manifest} is outside the project directory "
                f"{project_dir}, so it is not in the package. Point "
                "DJANGO_LAMBDA['STATIC_MANIFEST_DIR'] inside the project."
            )
    return files


def _own_source() -> dict[str, Path]:
    import django_lambda

    source = Path(django_lambda.__file__).resolve().parent
    return {
        f"django_lambda/{relative}": path
        for relative, path in _walk(source, patterns=("__pycache__", "*.pyc"))
    }


def _stage(files: dict[str, Path], staging: Path, *, linked: set[str]) -> None:
    """Lay the package out in ``staging`` exactly as it will be zipped."""
    if staging.exists():
        shutil.rmtree(staging)
    made: set[Path] = set()
    for name in sorted(files):
        destination = staging / name
        if destination.parent not in made:
            destination.parent.mkdir(parents=True, exist_ok=True)
            made.add(destination.parent)
        if name in linked:
            try:
                os.link(files[name], destination)
                continue
            except OSError:
                pass  # another filesystem, or no hard links there: copy instead
        shutil.copy(files[name], destination)


def _write_zip(staging: Path, names: list[str], zip_path: Path) -> None:
    """Zip ``names`` from ``staging``: sorted, no directory entries, fixed time and modes."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    partial = zip_path.with_name(zip_path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            source = staging / name
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.create_system = 3  # Unix, so external_attr carries the mode
            mode = EXECUTABLE_MODE if source.stat().st_mode & 0o111 else FILE_MODE
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(
                info,
                source.read_bytes(),
                compress_type=zipfile.ZIP_DEFLATED,
                compresslevel=ZIP_COMPRESSLEVEL,
            )
    os.replace(partial, zip_path)
