"""What every benchmark script shares: import path, machine description, Markdown tables."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    """One line naming the machine, so a table is never read without its context."""
    import django

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, Django {django.__version__}"
    )


def median_microseconds(
    calls: dict[str, Callable[[], object]], *, number: int, repeat: int, warmup: int
) -> dict[str, float]:
    """Per call, the median over ``repeat`` runs of ``number`` calls, in microseconds.

    The runs take turns (a run of each call, then the next round), so a machine
    that slows down or speeds up part way through affects every call alike.
    """
    for call in calls.values():
        for _ in range(warmup):
            call()
    runs: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            runs[name].append(timeit.Timer(call).timeit(number=number))
    return {name: statistics.median(times) / number * 1e6 for name, times in runs.items()}


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, columns padded so it also reads well in a terminal."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def write(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
