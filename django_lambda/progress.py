"""How the tooling reports what it does: each step takes a ``say`` callback of type ``Say``.

The builder, the deployer, the local runs and the smoke test say one line at
a time; a command passes the method that writes a line its way (indented
under a step, as a notice, ...), a test a list's ``append``.
"""

from __future__ import annotations

from collections.abc import Callable

Say = Callable[[str], None]


def quiet(message: str) -> None:
    """A ``Say`` that says nothing."""
