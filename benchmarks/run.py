"""Run every benchmark and print its table: ``python benchmarks/run.py``.

Each benchmark runs in its own process (each configures Django for itself),
so any one of them can also be run alone: ``python benchmarks/adapters.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# In the order docs/explanation/performance.md shows them; a missing script is skipped.
BENCHMARKS = ["adapters.py", "cold_start.py", "package.py", "bytecode.py"]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        script = HERE / name
        if not script.exists():
            sys.stdout.write(f"(skipped {name}: not in this checkout)\n\n")
            continue
        sys.stdout.write(f"$ python benchmarks/{name}\n")
        sys.stdout.flush()
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(name)
        sys.stdout.write("\n")
    if failed:
        sys.stderr.write(f"failed: {', '.join(failed)}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
