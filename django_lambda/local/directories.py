"""The function's two directories, laid out as on Lambda: the package unpacked read-only (its
task root, ``/var/task``) and the runtime client with what it requires (``/var/runtime``)."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from django_lambda.local.errors import LocalRunError
from django_lambda.package import canonical_name, code_sha256, sha256_hex

RUNTIME_CLIENT = "awslambdaric"

# Unpacked packages kept under .lambda/unpacked/ (the newest ones).
KEEP_UNPACKED = 2


def unpack(zip_path: Path, root: Path | None = None) -> Path:
    """Unpack ``zip_path`` once into a directory named after its SHA-256; return it.

    The same bytes always map to the same directory, so a rebuilt package is
    never mixed with an older one, and an unchanged one is not unpacked again.
    """
    zip_path = Path(zip_path).absolute()
    if not zip_path.is_file():
        raise LocalRunError(f"No package at {zip_path}: build it first (lambda_deploy builds it).")

    root = Path(root).absolute() if root else zip_path.parent / "unpacked"
    target = root / sha256_hex(code_sha256(zip_path))[:16]
    if target.is_dir():
        if target.stat().st_mode & 0o222:  # unpacked by a version that left it writable
            _read_only(target)
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=root))
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for info in archive.infolist():
                path = Path(archive.extract(info, staging))
                # zipfile drops permissions; Lambda keeps them (executables in
                # packages, and a file that only its owner may read stays so).
                mode = (info.external_attr >> 16) & 0o777
                if not info.is_dir():
                    path.chmod(mode or 0o644)
        _read_only(staging)
        staging.rename(target)
    except OSError:
        _remove_tree(staging)
        if not target.is_dir():  # another process may have won the race
            raise
    _prune_unpacked(root, keep=KEEP_UNPACKED)
    return target


def _read_only(directory: Path) -> None:
    """Take every write permission away under ``directory``, as on Lambda's /var/task
    (where no mount can make it read-only, this is what does)."""
    for parent, dirs, files in os.walk(directory, topdown=False):
        for name in files:
            path = os.path.join(parent, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode & 0o555)
        for name in dirs:
            path = os.path.join(parent, name)
            if not os.path.islink(path):
                os.chmod(path, 0o555)
    os.chmod(directory, 0o555)


def _remove_tree(directory: Path) -> None:
    """``shutil.rmtree``, for a tree whose directories are read-only."""
    for parent, dirs, _ in os.walk(directory):
        with contextlib.suppress(OSError):
            os.chmod(parent, 0o755)
        for name in dirs:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(parent, name), 0o755)
    shutil.rmtree(directory, ignore_errors=True)


def _prune_unpacked(root: Path, *, keep: int) -> None:
    """Remove all but the ``keep`` most recently unpacked packages under ``root``.

    More than one is kept: a ``lambda_serve`` started before the last build
    may still be running the previous one.
    """
    unpacked = [p for p in root.iterdir() if p.is_dir() and re.fullmatch(r"[0-9a-f]{16}", p.name)]
    unpacked.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in unpacked[keep:]:
        _remove_tree(old)


def _top_level_entries(dist: importlib.metadata.Distribution) -> set[Path]:
    entries = set()
    for file in dist.files or ():
        first = file.parts[0]
        if first in ("..", "__pycache__") or first.endswith((".dist-info", ".egg-info")):
            continue
        entries.add(Path(str(dist.locate_file(first))))
    return entries


def _requirement_names(dist: importlib.metadata.Distribution) -> list[str]:
    names = []
    for requirement in dist.requires or ():
        if "extra ==" in requirement.replace('"', "").replace("'", ""):
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if match:
            names.append(match.group(1))
    return names


def runtime_entries(distributions: Sequence[str] = (RUNTIME_CLIENT,)) -> list[Path]:
    """The installed top-level modules of ``distributions`` and everything they require.

    Only these go on the function's import path next to the package: not the
    whole site-packages they were installed into.
    """

    seen: set[str] = set()
    entries: set[Path] = set()
    pending = list(distributions)
    while pending:
        name = pending.pop()
        key = canonical_name(name)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            if name == RUNTIME_CLIENT:
                raise LocalRunError(
                    "The AWS Lambda runtime client is not installed: "
                    "pip install awslambdaric (django-lambda's 'local' extra)."
                ) from None
            continue  # a requirement for another platform or Python
        entries |= _top_level_entries(dist)
        pending.extend(_requirement_names(dist))
    return sorted(entries)


def runtime_dir(root: Path, distributions: Sequence[str] = (RUNTIME_CLIENT,)) -> Path:
    """A directory of links to :func:`runtime_entries`: Lambda's ``/var/runtime``."""
    entries = runtime_entries(distributions)
    key = hashlib.sha256("\n".join(map(str, entries)).encode()).hexdigest()[:16]
    target = Path(root) / f"runtime-{key}"
    if target.is_dir():
        # Readable by the user a function runs as (older versions left it 0700).
        target.chmod(0o755)
        return target
    Path(root).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".runtime-", dir=root))
    for entry in entries:
        (staging / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    staging.chmod(0o755)
    try:
        staging.rename(target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not target.is_dir():
            raise
    return target
