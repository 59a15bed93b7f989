"""The ASGI web process borrows database connections from a pool of its own: connecting to
PostgreSQL cost as much as a whole small request, and under ASGI Django connected anew for
every request."""

import time

import httpx
import pytest
from django.db import connection

from testing import admin_connection, asgi_web, served_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def sessions_opened(database: str) -> int:
    """How many sessions PostgreSQL has opened on the database, read from another one (so
    that reading opens none there); its statistics lag up to a second."""
    time.sleep(1.5)
    with admin_connection(dbname="postgres") as other:
        row = other.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", [database]
        ).fetchone()
    return row[0]


def test_forty_requests_open_at_most_the_pools_connections(tmp_path):
    database = connection.settings_dict["NAME"]
    env = served_env(
        tmp_path,
        DATABASE_POOL_SIZE="2",
    )
    with asgi_web(tmp_path, env) as base_url, httpx.Client(base_url=base_url) as client:
        assert client.get("/models").status_code == 200  # the pool opens
        before = sessions_opened(database)
        for _ in range(40):
            assert client.get("/models").status_code == 200
        after = sessions_opened(database)
    assert after - before <= 2, f"{after - before} connections for 40 requests"


def test_a_pooled_connection_postgresql_dropped_is_replaced_not_handed_out(tmp_path):
    env = served_env(
        tmp_path,
        DATABASE_POOL_SIZE="2",
    )
    database = connection.settings_dict["NAME"]
    with asgi_web(tmp_path, env) as base_url, httpx.Client(base_url=base_url) as client:
        for _ in range(5):
            assert client.get("/models").status_code == 200
        with connection.cursor() as cursor:  # every session of the web process, idle in its pool
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            )
            assert cursor.fetchone()[0] >= 1
        answers = [client.get("/models").status_code for _ in range(5)]
    assert answers == [200] * 5
