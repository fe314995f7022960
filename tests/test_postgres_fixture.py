"""The database tests' cluster: where none can start they skip saying why, except where
DJANGO_LAMBDA_REQUIRE_POSTGRES=1 (CI), where they fail."""

from __future__ import annotations

from typing import NoReturn

import pytest

from tests import postgres
from tests.postgres import REQUIRE_VARIABLE, Unavailable, cluster_or_skip


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
