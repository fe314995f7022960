"""How the build words what it reports: sizes, counts, short lists, the largest parts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Sized


def format_size(size: int) -> str:
    # MiB, written "MB" as AWS does in its quotas (250 MB = 262,144,000 bytes).
    return f"{size / (1024 * 1024):.1f} MB"


def format_largest(largest: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {format_size(size)}" for name, size in largest) or "nothing"


def count(items: Sized, noun: str) -> str:
    """``"1 file"``, ``"3 files"``."""
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def first(items: Sequence[str], most: int) -> str:
    """The first ``most`` of ``items``, joined, with ``...`` when there are more."""
    return ", ".join(items[:most]) + (", ..." if len(items) > most else "")


def top_level(name: str) -> str:
    """The top-level package (or module, or directory) of the package path ``name``."""
    return name.split("/", 1)[0]


def largest_top_level(sizes: dict[str, int], most: int = 5) -> list[tuple[str, int]]:
    """The ``most`` largest top-level packages (or modules) by unzipped bytes.

    ``*.dist-info`` directories are metadata, not packages: they count in the
    package's size but are not listed here.
    """
    totals: dict[str, int] = {}
    for name, size in sizes.items():
        top = top_level(name)
        if not top.endswith(".dist-info"):
            totals[top] = totals.get(top, 0) + size
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:most]
