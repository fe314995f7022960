"""The parent's side of ``function_process.py``: what it asks the function's process to set
up (a read-only task root, a private /tmp, a user other than root) and what it got."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Runs first in the function's process (see its docstring). ``-I -S`` gives an
# interpreter that reads no PYTHON* variable, adds no site-packages and not the
# script's directory, so sys.path is the standard library plus exactly what it prepends.
FUNCTION_PROCESS = Path(__file__).resolve().with_name("function_process.py")

# Lambda's default ephemeral storage, the size of a function's own /tmp.
TMP_SIZE = "512m"

# Who a function runs as when the command runs as root (Lambda never runs code as root).
_NOBODY = 65534


@dataclass(frozen=True)
class Isolation:
    """How a function's process runs, next to how Lambda runs code."""

    uid: int
    # "mount": the task root is a read-only mount (writes fail with EROFS, as on
    # Lambda); "permissions": it is only without write permissions (EACCES).
    read_only: str
    # Whether /tmp is the process's own, or the machine's.
    private_tmp: bool
    # Why the machine refused a mount namespace, when it did.
    refused: str | None = None

    @classmethod
    def from_status(cls, status: Mapping[str, Any]) -> Isolation:
        return cls(
            uid=int(status["uid"]),
            read_only=str(status["read_only"]),
            private_tmp=status["tmp"] == "private",
            refused=status.get("refused"),
        )

    def describe(self) -> str:
        try:
            import pwd

            user = f"{pwd.getpwuid(self.uid).pw_name} (uid {self.uid})"
        except (ImportError, KeyError):
            user = f"uid {self.uid}"
        if self.read_only == "mount":
            return (
                f"The function runs as {user}, its task root a read-only file system "
                "and /tmp its own, as on Lambda."
            )
        return (
            f"The function runs as {user}; its task root is read-only by permissions only "
            "(writes fail with 'Permission denied', not Lambda's 'Read-only file system') "
            f"and /tmp is this machine's: no private mount namespace here ({self.refused})."
        )


def unprivileged_user() -> list[int]:
    """The uid and gid a function runs as when the command runs as root: nobody's."""
    try:
        import pwd

        nobody = pwd.getpwnam("nobody")
    except (ImportError, KeyError):
        return [_NOBODY, _NOBODY]
    return [nobody.pw_uid, nobody.pw_gid]


def process_command(
    task_root: Path, runtime_dir: Path, handler: str, *, mount_namespace: bool, status_fd: int
) -> list[str]:
    """The command line of a function's process: function_process.py, with what it needs to
    set the process up (see its ``isolate``), then the runtime client for ``handler``."""
    # Read after the process gives up root: the runtime client (the links in
    # the runtime directory lead to where it is installed) and the standard library.
    expose = {str(runtime_dir)}
    expose.update(os.path.realpath(entry) for entry in runtime_dir.iterdir())
    expose.update(os.path.realpath(p) for p in (sys.base_prefix, sys.base_exec_prefix))
    config = {
        "path": [str(task_root), str(runtime_dir)],
        "task_root": str(task_root),
        "expose": sorted(expose),
        "user": unprivileged_user(),
        "tmp_size": TMP_SIZE,
        "mount_namespace": mount_namespace,
        "status_fd": status_fd,
    }
    return [
        sys.executable,
        "-I",
        "-S",
        "-B",
        "-u",
        str(FUNCTION_PROCESS),
        json.dumps(config),
        handler,
    ]


def read_status(fd: int) -> dict[str, Any] | None:
    """The JSON line function_process.py wrote, or None if it wrote none."""
    with os.fdopen(fd, "rb") as pipe:
        data = pipe.read()
    try:
        status = json.loads(data)
    except ValueError:
        return None
    return status if isinstance(status, dict) else None
