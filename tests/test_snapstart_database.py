"""The SnapStart hooks with a real database: no connection is frozen into a snapshot, and
a restored environment never talks through a connection the snapshot carried."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections

from django_lambda import handler
from tests.postgres import Postgres

pytestmark = pytest.mark.slow

ALIAS = "snapstart"


@pytest.fixture
def database(postgres: Postgres, django_db_blocker: Any) -> Iterator[str]:
    """A PostgreSQL database behind the alias ``snapstart`` of Django's own connections."""
    name = postgres.create_database(f"snapstart_{uuid.uuid4().hex[:12]}")
    config = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": postgres.host,
        "PORT": str(postgres.port),
        "NAME": name,
        "USER": postgres.user,
        "PASSWORD": postgres.password,
    }
    # Beside the test settings' "default", with Django's defaults filled in.
    configured = connections.configure_settings({"default": {}, ALIAS: config})
    connections.settings[ALIAS] = configured[ALIAS]
    try:
        with django_db_blocker.unblock():
            yield name
            connections[ALIAS].close()
    finally:
        del connections[ALIAS]
        del connections.settings[ALIAS]


def backend_pid() -> int:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def test_before_snapshot_closes_open_connections(postgres: Postgres, database: str) -> None:
    pid = backend_pid()
    raw = connections[ALIAS].connection
    assert pid in postgres.backends(database)

    handler.before_snapshot()

    assert connections[ALIAS].connection is None
    assert raw.closed
    # The first query after the snapshot opens a connection of its own.
    assert backend_pid() != pid


def test_after_restore_drops_the_connection_the_snapshot_carried(
    postgres: Postgres, database: str
) -> None:
    # As if the snapshot had frozen an open connection: in the restored copy its
    # server side is long gone (here, the server closed it).
    pid = backend_pid()
    assert postgres.terminate(database) == [pid]

    handler.after_restore()

    assert connections[ALIAS].connection is None
    assert backend_pid() != pid
