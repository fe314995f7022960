"""The staging directory: the package's files laid out as they are zipped, kept in step.

Installed requirements are hard-linked in (they never change in place: a
reinstall replaces their directory), the rest is copied; files already there
and unchanged are left alone, so a warm build touches only what changed.
"""

from __future__ import annotations

import filecmp
import os
import shutil
from pathlib import Path

from django_lambda.package.archive import file_mode
from django_lambda.package.selection import walk


def stage(files: dict[str, Path], staging: Path, *, linked: set[str]) -> None:
    """Make ``staging`` hold exactly ``files``, touching only what changed; hard-link
    the names in ``linked`` where the file system allows it."""
    existing = dict(walk(staging)) if staging.is_dir() else {}
    emptied = set()
    for name in existing.keys() - files.keys():
        existing.pop(name).unlink()
        emptied.add((staging / name).parent)
    for directory in sorted(emptied, key=lambda path: len(path.parts), reverse=True):
        remove_empty_parents(directory, staging)
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
    return file_mode(source) == file_mode(destination) and filecmp.cmp(
        source, destination, shallow=False
    )


def remove_empty_parents(directory: Path, root: Path) -> None:
    """Remove ``directory`` and its parents below ``root`` while they are empty."""
    while directory != root and directory.is_relative_to(root):
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent
