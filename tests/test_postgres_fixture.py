"""The database tests' cluster: where none can start they skip saying why, except where
DJANGO_LAMBDA_REQUIRE_POSTGRES=1 (CI), where they fail."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

from tests import postgres
from tests.postgres import REQUIRE_VARIABLE, Postgres, Unavailable, cluster_or_skip


def no_cluster() -> NoReturn:
    raise Unavailable("initdb failed: out of disk")


def test_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "start", no_cluster)
    monkeypatch.delenv(REQUIRE_VARIABLE, raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped, cluster_or_skip():
        pass
    assert str(skipped.value) == "PostgreSQL is unavailable: initdb failed: out of disk"


def test_fails_where_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "start", no_cluster)
    monkeypatch.setenv(REQUIRE_VARIABLE, "1")
    with pytest.raises(pytest.fail.Exception) as failed, cluster_or_skip():
        pass
    assert str(failed.value) == (
        "PostgreSQL is unavailable: initdb failed: out of disk "
        "(DJANGO_LAMBDA_REQUIRE_POSTGRES=1: the database tests must run here)"
    )


def test_no_server_installed_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("glob.glob", lambda pattern: [])
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(Unavailable, match=r"`apt-get install postgresql` \(as \.ci/run does\)"):
        postgres.server_binaries()


def test_the_newest_installed_server(monkeypatch: pytest.MonkeyPatch) -> None:
    found = ["/usr/lib/postgresql/9/bin/postgres", "/usr/lib/postgresql/15/bin/postgres"]
    monkeypatch.setattr("glob.glob", lambda pattern: found)
    assert str(postgres.server_binaries()) == "/usr/lib/postgresql/15/bin"


@pytest.mark.slow
def test_the_server_is_no_child_of_the_tests_process(postgres: Postgres) -> None:
    # Tests that check they leave no process behind count this process's children.
    with postgres.connect() as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)  # the server runs
    parent = f"\nPPid:\t{os.getpid()}\n"
    children = []
    for entry in Path("/proc").iterdir():
        try:
            if parent in (entry / "status").read_text():
                children.append(entry.name)
        except OSError:
            continue
    assert children == []
