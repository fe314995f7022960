"""A throwaway PostgreSQL cluster for the database tests: Debian's server binaries, a temp
directory, 127.0.0.1 on a free port, a password, and nothing left behind.

initdb and postgres refuse to run as root, so when the tests do, the cluster
runs as the ``postgres`` user (Debian's package creates it), else ``nobody``.
Where no cluster can start, :func:`start` raises :class:`Unavailable` saying
why; the ``postgres`` fixture (``tests/conftest.py``) skips on it, or fails
when ``DJANGO_LAMBDA_REQUIRE_POSTGRES=1`` (as in CI), so CI never skips them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REQUIRE_VARIABLE = "DJANGO_LAMBDA_REQUIRE_POSTGRES"
USER = "django"
# How long a starting server may take before the tests give up on it (not an assertion).
START_DEADLINE = 60.0


class Unavailable(Exception):
    """No cluster can start here; the message says why and what to install."""


@dataclass
class Postgres:
    """A running cluster: where it listens, and how to talk to it as its superuser."""

    host: str
    port: int
    user: str
    password: str
    directory: Path
    binaries: Path
    as_user: dict[str, Any]

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def connect(self, dbname: str = "postgres", **options: Any) -> Any:
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname,
            autocommit=True,
            **options,
        )

    def create_database(self, name: str) -> str:
        with self.connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def backends(self, dbname: str) -> list[int]:
        """The server processes serving clients of ``dbname``, this connection's excepted."""
        with self.connect() as connection:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            ).fetchall()
        return sorted(row[0] for row in rows)

    def terminate(self, dbname: str) -> list[int]:
        """Close every client connection to ``dbname`` from the server's side, as a database
        does to a connection idle too long; the pids it closed."""
        with self.connect() as connection:
            # In the select list, so that only the rows the WHERE keeps are terminated.
            rows = connection.execute(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            ).fetchall()
        return sorted(pid for pid, terminated in rows if terminated)

    def halt(self) -> None:
        """Stop the server if it runs ("fast": clients are cut off)."""
        subprocess.run(
            [str(self.binaries / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w"],
            capture_output=True,
            timeout=120,
            **self.as_user,
        )

    def stop(self) -> None:
        """Stop the server and remove the cluster."""
        self.halt()
        shutil.rmtree(self.directory, ignore_errors=True)


def server_binaries() -> Path:
    """The directory of Debian's ``initdb`` and ``postgres`` (the newest installed)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise Unavailable(
        "PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/postgres, no "
        "initdb on PATH): `apt-get install postgresql` (as .ci/run does)."
    )


def _run_as() -> dict[str, Any]:
    """Popen's arguments that drop root: initdb and postgres refuse to run as root."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    raise Unavailable("the tests run as root and there is no 'postgres' or 'nobody' user")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start() -> Postgres:
    """initdb into a new temp directory, then start the server on 127.0.0.1."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise Unavailable("psycopg is not installed: pip install -e '.[test]'") from None
    binaries = server_binaries()
    as_user = _run_as()
    # Under /tmp itself: pytest's own temp directories are closed to other users.
    directory = Path(tempfile.mkdtemp(prefix="django-lambda-postgres-"))
    password = os.urandom(12).hex()
    try:
        if as_user:
            os.chown(directory, as_user["user"], as_user["group"])
        password_file = directory / "password"
        password_file.write_text(password + "\n")
        if as_user:
            os.chown(password_file, as_user["user"], as_user["group"])
        data = directory / "data"
        initdb = subprocess.run(
            [
                str(binaries / "initdb"),
                f"--pgdata={data}",
                f"--username={USER}",
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            **as_user,
        )
        if initdb.returncode != 0:
            raise Unavailable(f"initdb failed: {initdb.stderr.strip() or initdb.stdout.strip()}")
        # Another process may take the free port first (another xdist worker's cluster).
        for _attempt in range(3):
            cluster = Postgres(
                "127.0.0.1", _free_port(), USER, password, directory, binaries, as_user
            )
            try:
                _launch(cluster)
            except PortTaken:
                continue
            _wait_until_ready(cluster)
            return cluster
        raise Unavailable("postgres found no free port on 127.0.0.1 in three tries")
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


class PortTaken(Exception):
    """The server could not listen on its port: another process took it first."""


def _launch(cluster: Postgres) -> None:
    """Start the server with ``pg_ctl``, which detaches it: it is no child of the tests'
    process (tests that count their own children see none of it)."""
    log = cluster.directory / "server.log"
    options = (
        f"-h 127.0.0.1 -p {cluster.port} -k {cluster.directory} -c fsync=off -c max_connections=50"
    )
    started = subprocess.run(
        [
            str(cluster.binaries / "pg_ctl"),
            "start",
            "-w",
            "-t",
            str(int(START_DEADLINE)),
            "-D",
            str(cluster.data),
            "-l",
            str(log),
            "-o",
            options,
        ],
        capture_output=True,
        text=True,
        timeout=START_DEADLINE + 30,
        **cluster.as_user,
    )
    if started.returncode == 0:
        return
    server_log = log.read_text(errors="replace") if log.exists() else ""
    cluster.halt()
    if "Address already in use" in server_log:
        raise PortTaken(server_log)
    raise Unavailable(f"pg_ctl start failed: {started.stderr.strip()} {server_log[-2000:]}")


def _wait_until_ready(cluster: Postgres) -> None:
    """Until the server accepts a connection with the password (pg_ctl waited for it to
    listen already)."""
    import psycopg

    deadline = time.monotonic() + START_DEADLINE
    while True:
        try:
            cluster.connect(connect_timeout=2).close()
            return
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                cluster.stop()
                raise Unavailable(f"postgres does not accept connections: {error}") from None
            time.sleep(0.2)


@contextmanager
def cluster_or_skip() -> Iterator[Postgres]:
    """A running cluster for the session; pytest's skip (or failure, in CI) when none can start."""
    import pytest

    try:
        cluster = start()
    except Unavailable as error:
        message = f"PostgreSQL is unavailable: {error}"
        if os.environ.get(REQUIRE_VARIABLE) == "1":
            pytest.fail(f"{message} ({REQUIRE_VARIABLE}=1: the database tests must run here)")
        pytest.skip(message)
    try:
        yield cluster
    finally:
        cluster.stop()
