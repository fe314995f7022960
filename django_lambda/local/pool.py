"""Several execution environments for one package, as Lambda runs concurrent invocations."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import Any

from django_lambda.local.directories import unpack
from django_lambda.local.function import InvokeResult, LocalFunction


class FunctionPool:
    """Several execution environments for one package, each busy with one event at a time.

    Like Lambda's concurrency: an event waits for a free environment; an
    environment whose process crashed starts a new one on its next event.
    """

    def __init__(self, package: Path, *, size: int = 2, **function_options: Any) -> None:
        if size < 1:
            raise ValueError(f"A pool needs at least one function, not {size}.")
        package = Path(package)
        task_root = package if package.is_dir() else unpack(package)
        self.functions = [LocalFunction(task_root, **function_options) for _ in range(size)]
        self._free: queue.SimpleQueue[LocalFunction] = queue.SimpleQueue()
        for function in self.functions:
            self._free.put(function)

    def __enter__(self) -> FunctionPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> list[float]:
        """Run every environment's init phase now; return their durations."""
        return [function.start() for function in self.functions]

    def invoke(self, event: Any) -> InvokeResult:
        function = self._free.get()
        try:
            return function.invoke(event)
        finally:
            self._free.put(function)

    def pids(self) -> list[int]:
        return [f.process.pid for f in self.functions if f.process is not None]

    def close(self) -> None:
        for function in self.functions:
            function.close()
