"""What the built package holds against what ran the deploy: Django, and every other distribution.

The deploy's Django ran the checks and wrote the static manifest that ships in
the package, so the package's Django has to be of the same major.minor (a
Django 3.1 cannot read a manifest that Django 5.2 wrote), and at least the
oldest one django-lambda supports. A package without Django fails every
request with ``No module named 'django'``. Other distributions that differ
from this environment's only earn a warning: what passed here was tested
with other versions than the ones that will run.
"""

from __future__ import annotations

import importlib.metadata
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import django

from django_lambda.conf import DEFAULTS, SETTING_NAME
from django_lambda.package.build import BuildResult
from django_lambda.package.requirements import requirements_above
from django_lambda.package.rules import BuildError, canonical_name
from django_lambda.progress import Say

# The oldest Django django-lambda supports (setup.cfg's install_requires says the same).
MIN_DJANGO = (4, 2)

_METADATA = re.compile(r"[^/]+\.dist-info/METADATA")
# django/__init__.py: VERSION = (5, 2, 19, "final", 0)
_VERSION_TUPLE = re.compile(r"^VERSION\s*=\s*\((\d+),\s*(\d+),\s*(\d+)", re.MULTILINE)
_MAJOR_MINOR = re.compile(r"(\d+)\.(\d+)")


class VersionError(Exception):
    """The package cannot run the project; the message says why and what to change."""


@dataclass(frozen=True)
class Distribution:
    name: str
    version: str


def package_distributions(archive: zipfile.ZipFile) -> dict[str, Distribution]:
    """The distributions installed in the package, by canonical name, from their METADATA."""
    found = {}
    for entry in archive.namelist():
        if _METADATA.fullmatch(entry):
            headers = _headers(archive.read(entry).decode("utf-8", "replace"))
            if "name" in headers and "version" in headers:
                distribution = Distribution(headers["name"], headers["version"])
                found[canonical_name(distribution.name)] = distribution
    return found


def _headers(metadata: str) -> dict[str, str]:
    """The first Name and Version headers of a METADATA file (RFC 822 style)."""
    headers: dict[str, str] = {}
    for line in metadata.splitlines():
        if not line:
            break
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
    return headers


def package_django(archive: zipfile.ZipFile) -> str | None:
    """The version of the Django in the package: installed (its METADATA) or copied in
    as project files (its ``VERSION``); None when the package has no Django."""
    names = set(archive.namelist())
    if "django/__init__.py" not in names:
        return None
    installed = package_distributions(archive).get("django")
    if installed is not None:
        return installed.version
    match = _VERSION_TUPLE.search(archive.read("django/__init__.py").decode("utf-8", "replace"))
    return ".".join(match.groups()) if match else "unknown"


def check_package(
    zip_path: Path,
    *,
    requirements: Path | None,
    project_dir: Path,
    say: Say,
) -> None:
    """Raise ``VersionError`` if the package's Django cannot run the project; warn through
    ``say`` about the other distributions whose version differs from this environment's.

    ``requirements`` is the requirements file the build installed (None: none).
    """
    with zipfile.ZipFile(zip_path) as archive:
        django_version = package_django(archive)
        distributions = package_distributions(archive)
    source = requirements_source(requirements, project_dir)
    here = django.get_version()
    if django_version is None:
        raise VersionError(
            "Django is not in the package, so the function would fail every request with "
            f"\"No module named 'django'\". {source} Add Django to the requirements file "
            f"(Django=={here} is the version this deploy runs)."
        )
    match = _MAJOR_MINOR.match(django_version)
    version = (int(match[1]), int(match[2])) if match else (0, 0)
    oldest = ".".join(map(str, MIN_DJANGO))
    if version < MIN_DJANGO:
        raise VersionError(
            f"The package holds Django {django_version}, older than Django {oldest}, the "
            f"oldest that django-lambda supports. {source} Require Django>={oldest} there "
            f"(this deploy runs Django {here})."
        )
    if version != django.VERSION[:2]:
        series = f"{django.VERSION[0]}.{django.VERSION[1]}"
        raise VersionError(
            f"The package holds Django {django_version}, but this deploy runs Django {here}, "
            "which ran the checks and wrote the static manifest the package ships. "
            f"{source} Pin Django=={series}.* there, or deploy from an environment with "
            f"Django {version[0]}.{version[1]}."
        )
    differing = []
    for key, distribution in sorted(distributions.items()):
        if key == "django":
            continue
        try:
            local = importlib.metadata.version(distribution.name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if local != distribution.version:
            differing.append(f"{distribution.name} {distribution.version} (here {local})")
    if differing:
        say(
            "Warning: the package holds other versions than this environment of "
            + ", ".join(differing)
            + ": what runs here is not exactly what will run on Lambda. Pin the versions "
            "in the requirements file, or install them here."
        )


def check_build(result: BuildResult, *, project_dir: Path, say: Say) -> None:
    """``check_package`` for a build's result (of ``project_dir``), as a build error: the
    zip is deleted first, so nothing runs or ships a package that cannot start."""
    try:
        check_package(
            result.zip_path,
            requirements=result.requirements,
            project_dir=project_dir.resolve(),
            say=say,
        )
    except VersionError as error:
        result.zip_path.unlink(missing_ok=True)
        raise BuildError(str(error)) from None


def requirements_source(requirements: Path | None, project_dir: Path) -> str:
    """Which requirements file the build read, for messages, with a hint when it read none
    and there is one a level up (a layout where manage.py sits in a subdirectory)."""
    if requirements is not None:
        shown = (
            requirements.relative_to(project_dir)
            if requirements.is_relative_to(project_dir)
            else requirements
        )
        return f"The build installed the requirements file {shown}."
    above = requirements_above(project_dir, DEFAULTS["REQUIREMENTS"])
    if above:
        return (
            "The build read no requirements file; there is one a level above the project "
            f"directory, {above}"
        )
    return (
        f"The build read no requirements file ({SETTING_NAME}['REQUIREMENTS'], default "
        f"requirements.txt in {project_dir})."
    )
