"""The requirements, installed with pip for the function's platform and kept between builds.

pip runs as ``sys.executable -m pip`` with ``--platform`` tags up to the glibc of
the runtime's system, ``--python-version`` from the runtime and
``--only-binary=:all:``, and honours its own configuration (``PIP_INDEX_URL``,
``PIP_NO_INDEX=1``, ``PIP_FIND_LINKS=<dir>``). An install is reused while the
requirements files, the runtime, the architecture and what it leaves out stay
the same.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from django_lambda.conf import SETTING_NAME
from django_lambda.configuration import DeployConfig, PathSetting
from django_lambda.package.archive import write_zip
from django_lambda.package.bytecode import compile_tree
from django_lambda.package.distributions import remove_distributions
from django_lambda.package.rules import (
    REQUIREMENTS_HINT,
    BuildError,
    canonical_name,
    describe_platforms,
    runtime_glibc,
)
from django_lambda.package.selection import walk
from django_lambda.progress import Say

# pip's words when no distribution of a requirement fits the platform: no wheel for it.
_NO_WHEEL = re.compile(r"No matching distribution found for (\S+)")
# A line that reads another requirements or constraints file (part of the install's key).
_NESTED_REQUIREMENTS = re.compile(r"^\s*(?:-r|-c|--requirement|--constraint)[\s=]+(\S+)")


def requirements_file(config: DeployConfig, project_dir: Path, say: Say) -> Path | None:
    """The requirements file to install (REQUIREMENTS, from ``project_dir``), or None."""
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
            f"{REQUIREMENTS_HINT}"
        )
    above = requirements_above(project_dir, configured)
    if above:
        say(
            f"No {configured} in {project_dir}: installing no requirements. There is one a "
            f"level up, {above}"
        )
        return None
    say(f"No {configured} in {project_dir}: installing no requirements.")
    return None


def requirements_above(project_dir: Path, name: PathSetting) -> str | None:
    """How to install the requirements file ``name`` a level above ``project_dir``, when
    there is one there (manage.py in a subdirectory, beside requirements.txt), or None."""
    above = project_dir.parent / name
    if not above.is_file():
        return None
    return (
        f"{above}: set {SETTING_NAME}['REQUIREMENTS'] = '../{PurePosixPath(name)}' to install it."
    )


def runtime_packages_left_out(config: DeployConfig) -> list[str]:
    """The distributions the build leaves out because the Lambda runtime has them."""
    if not config.exclude_runtime_packages:
        return []
    return sorted({canonical_name(name) for name in config.runtime_packages})


def requirements_key(
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


def install_requirements(
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
    key = requirements_key(
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

    fresh = build_root / "requirements.tmp"
    _pip_install(
        requirements, fresh, project_dir=project_dir, platforms=platforms, python=python, say=say
    )
    if left_out:
        removed = remove_distributions(fresh, left_out)
        if removed:
            say(
                "Left out (the Lambda runtime provides them): "
                + ", ".join(removed)
                + f". Set {SETTING_NAME}['EXCLUDE_RUNTIME_PACKAGES'] = False to ship your own."
            )
    if compiles:
        compile_tree(fresh, say)
    # The stamp goes first and comes back last, so an interrupted build never
    # pairs a stamp with an install it does not describe.
    stamp.unlink(missing_ok=True)
    write_zip(dict(walk(fresh)), cache_zip, cached={}, cache_zip=None)
    shutil.rmtree(installed, ignore_errors=True)
    fresh.rename(installed)
    stamp.write_text(key + "\n", encoding="utf-8")
    return installed, cache_zip, False


def _pip_install(
    requirements: Path,
    target: Path,
    *,
    project_dir: Path,
    platforms: Sequence[str],
    python: str,
    say: Say,
) -> None:
    """``pip install --target target`` for Lambda's platform; a BuildError if pip fails."""
    major, minor = runtime_glibc(python)
    say(
        f"Installing {requirements.name} for {describe_platforms(platforms)} "
        f"(glibc {major}.{minor}), Python {python}."
    )
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    process = run_pip(
        [
            "install",
            "--target",
            str(target),
            *(argument for tag in platforms for argument in ("--platform", tag)),
            "--python-version",
            python,
            "--implementation",
            "cp",
            "--only-binary=:all:",
            # pip's bytecode checks timestamps and names this machine's paths;
            # compile_tree writes bytecode that depends on the sources alone.
            "--no-compile",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
            str(requirements),
        ],
        cwd=project_dir,
    )
    if process.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        platform = describe_platforms(platforms)
        raise _pip_error(process, requirements=requirements, platform=platform, python=python)
    for line in process.stdout.splitlines():
        if line.startswith("Successfully installed"):
            say(line)


def run_pip(args: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run pip with the interpreter that runs Django, so it is the pip the user set up."""
    return subprocess.run(
        [sys.executable, "-m", "pip", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


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
