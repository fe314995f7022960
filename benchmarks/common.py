"""What every benchmark script shares: import path, machine description, Markdown tables."""

from __future__ import annotations

import os
import platform
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


def run_times(call: Callable[[], object], *, number: int, repeat: int, warmup: int) -> list[float]:
    """Microseconds per call in each of ``repeat`` runs of ``number`` calls, after a warm-up."""
    for _ in range(warmup):
        call()
    return [run / number * 1e6 for run in timeit.Timer(call).repeat(repeat=repeat, number=number)]


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
