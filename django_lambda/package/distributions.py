"""Removing installed distributions by name: what the Lambda runtime already provides."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from django_lambda.package.report import top_level
from django_lambda.package.rules import canonical_name
from django_lambda.package.staging import remove_empty_parents


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
        tops = {top_level(path.relative_to(site).as_posix()) for path in paths}
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
            remove_empty_parents(path.parent, site)
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
    top_level_txt = dist_info / "top_level.txt"
    if not top_level_txt.is_file():
        return set()
    return {line.strip() for line in top_level_txt.read_text(encoding="utf-8").splitlines() if line}
