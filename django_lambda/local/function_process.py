"""The first steps of a local function's process: set it up as Lambda runs code, then start
AWS's runtime client in it.

On Lambda the code runs as a non-root user, its task root (``/var/task``) is a
read-only file system, and ``/tmp`` is its own. Here, where Linux allows it,
the process gets a private mount namespace (as root; otherwise inside a user
namespace of its own) in which the task root is a read-only bind mount and
``/tmp`` a fresh tmpfs; a process started by root then becomes ``nobody``.
Where namespaces are refused, the unpacked package is read-only by its
permissions only, and ``/tmp`` is the machine's.

``local.LocalFunction`` runs this file as a script (``python -I -S``, so it
imports only the standard library) with a JSON configuration, and reads one
JSON line back from ``status_fd``: what the process got, or why it cannot run.
"""

from __future__ import annotations

import ctypes
import json
import os
import runpy
import stat
import sys
from collections.abc import Callable, Iterable
from typing import Any

# <sched.h>, <sys/mount.h>, <linux/capability.h>
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21
CAPABILITY_VERSION_3 = 0x20080522

# A bind mount keeps the flags of the mount it comes from; inside a user
# namespace a remount that drops one of them is refused (EPERM).
_KEPT_FLAGS = (
    (os.ST_NOSUID, MS_NOSUID),
    (os.ST_NODEV, MS_NODEV),
    (os.ST_NOEXEC, MS_NOEXEC),
    (os.ST_NOATIME, MS_NOATIME),
    (os.ST_NODIRATIME, MS_NODIRATIME),
    (os.ST_RELATIME, MS_RELATIME),
)


class Refused(Exception):
    """This machine does not let the process have namespaces; the message says why."""


def main(argv: list[str]) -> None:
    config = json.loads(argv[1])
    try:
        status = isolate(config)
    except Exception as error:  # reported to the parent, which explains it
        status = {"error": f"{type(error).__name__}: {error}"}
    with os.fdopen(config["status_fd"], "w") as report:
        report.write(json.dumps(status) + "\n")
    if "error" in status:
        sys.exit(1)
    sys.path[:0] = config["path"]
    _one_record_per_line()
    sys.argv = ["awslambdaric", argv[2]]
    runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)


def isolate(config: dict[str, Any]) -> dict[str, Any]:
    """Set this process up as Lambda runs code; describe what it got.

    ``config``: ``task_root``, ``expose`` (what else the process reads: the
    runtime client, the standard library), ``user`` ([uid, gid] to become when
    started as root), ``tmp_size`` (the size of the private /tmp) and
    ``mount_namespace`` (False: do not try one).
    """
    task_root: str = config["task_root"]
    expose: list[str] = config["expose"]
    user: tuple[int, int] | None = None
    if os.geteuid() == 0:
        uid, gid = config["user"]
        user = (uid, gid)
    status: dict[str, Any] = {}
    try:
        if not config["mount_namespace"]:
            raise Refused("turned off")
        _private_mounts(task_root, expose, user, config["tmp_size"])
    except (Refused, OSError) as refused:
        status.update(read_only="permissions", tmp="shared", refused=str(refused))
    else:
        status.update(read_only="mount", tmp="private")
        os.chdir(task_root)
    if user is not None:
        os.setgroups([])
        os.setgid(user[1])
        # From root to another user: every capability goes with it.
        os.setuid(user[0])
    elif status["read_only"] == "mount":
        _drop_capabilities()
    status.update(uid=os.getuid(), gid=os.getgid())
    unreadable = [path for path in [task_root, *expose] if not _readable(path)]
    if unreadable:
        status["error"] = (
            f"The function's process runs as uid {os.getuid()} and cannot read "
            f"{unreadable[0]}: make it and the directories above it readable by every user "
            f"(chmod o+rX), or run the command as a user who can read them."
        )
        if "refused" in status:
            status["error"] += (
                f" (This machine refused a private mount namespace, where those paths "
                f"would have been made readable: {status['refused']}.)"
            )
    return status


def _private_mounts(
    task_root: str, expose: list[str], user: tuple[int, int] | None, tmp_size: str
) -> None:
    """A mount namespace with the task root read-only and /tmp a tmpfs of its own.

    Everything in ``expose`` that the private /tmp hides, or that ``user``
    could not reach because a directory above it is closed to others, is
    bound back at its own path (read-only) on a tmpfs laid over that directory.
    """
    if not sys.platform.startswith("linux"):
        raise Refused("namespaces are Linux's")
    libc = _libc()
    if user is None:
        uid, gid = os.getuid(), os.getgid()
        _call(libc.unshare, CLONE_NEWUSER | CLONE_NEWNS, refused=True)
        # The same ids inside as outside: the process stays its own user.
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    else:
        _call(libc.unshare, CLONE_NEWNS, refused=True)
    # Opened in the new namespace (a bind mount's source must be in it), and
    # before anything is mounted over the directories above them.
    fds = {path: os.open(path, os.O_PATH | os.O_CLOEXEC) for path in [task_root, *expose]}
    try:
        # Nothing mounted here reaches the machine's mount table.
        _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
        _mount(libc, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={tmp_size}")
        covered = {"/tmp"}
        bound = set()
        for path in _outermost(fds):
            if _covered(libc, path, user, covered):
                _bind(libc, fds[path], path)
                bound.add(path)
        if task_root not in bound:
            _bind(libc, fds[task_root], task_root)
    finally:
        for fd in fds.values():
            os.close(fd)


def _outermost(paths: Iterable[str]) -> list[str]:
    """``paths`` without those inside another one (binding the outer one shows them)."""
    result: list[str] = []
    for path in sorted(paths):
        if not any(path == kept or path.startswith(kept.rstrip("/") + "/") for kept in result):
            result.append(path)
    return result


def _covered(libc: Any, path: str, user: tuple[int, int] | None, covered: set[str]) -> bool:
    """Whether ``path`` lies under a tmpfs of ours, laying one over the first directory
    above it that ``user`` cannot search; its missing directories are created there."""
    parts = path.split("/")
    for depth in range(1, len(parts)):
        above = "/".join(parts[:depth]) or "/"
        if above in covered:
            break
        if user is not None and not _searchable(above, user):
            _mount(libc, "tmpfs", above, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
            covered.add(above)
            break
    else:
        return False
    return True


def _searchable(directory: str, user: tuple[int, int]) -> bool:
    uid, gid = user
    info = os.stat(directory)
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid == gid:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def _bind(libc: Any, fd: int, path: str) -> None:
    """Mount what ``fd`` opens at ``path`` (created if missing), read-only."""
    source = f"/proc/self/fd/{fd}"
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        os.makedirs(path, mode=0o755, exist_ok=True)
    elif not os.path.exists(path):
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o444))
    _mount(libc, source, path, None, MS_BIND | MS_REC)
    flags = os.statvfs(path).f_flag
    kept = sum(mount_flag for st_flag, mount_flag in _KEPT_FLAGS if flags & st_flag)
    _mount(libc, None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)


def _libc() -> Any:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.unshare.argtypes = [ctypes.c_int]
    libc.mount.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_char_p,
    ]
    libc.capset.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    return libc


def _mount(
    libc: Any,
    source: str | None,
    target: str,
    fstype: str | None,
    flags: int,
    data: str | None = None,
) -> None:
    _call(libc.mount, _bytes(source), target.encode(), _bytes(fstype), flags, _bytes(data))


def _bytes(value: str | None) -> bytes | None:
    return None if value is None else value.encode()


def _call(function: Callable[..., int], *args: Any, refused: bool = False) -> None:
    """Call a libc function; raise OSError (or Refused) naming it when it fails."""
    if function(*args) != 0:
        errno = ctypes.get_errno()
        name = getattr(function, "__name__", "libc")
        if refused:
            raise Refused(f"{name}: {os.strerror(errno)}")
        raise OSError(errno, f"{name}{args!r}: {os.strerror(errno)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_capabilities() -> None:
    """Give up the capabilities a new user namespace grants its first process."""
    libc = _libc()
    header = _CapHeader(CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _call(libc.capset, ctypes.byref(header), data)


def _readable(path: str) -> bool:
    mode = os.R_OK | (os.X_OK if os.path.isdir(path) else 0)
    return os.access(path, mode)


def _one_record_per_line() -> None:
    """End every log record with a newline, as Lambda keeps each record apart.

    On Lambda, awslambdaric writes each record as a frame of its own to the
    platform's telemetry pipe. Without that pipe it writes records to stdout
    as they are, and one that ends without a newline (any record with a
    traceback, every JSON record) runs into the next.
    """
    from awslambdaric import bootstrap

    sink = getattr(bootstrap, "StandardLogSink", None)
    write = getattr(sink, "log", None)
    if sink is None or write is None:
        return

    def log(self: Any, msg: str, frame_type: Any = None) -> None:
        write(self, msg if msg.endswith("\n") else msg + "\n", frame_type)

    sink.log = log


if __name__ == "__main__":
    main(sys.argv)
