"""Server-side prepared statements on PostgreSQL, for the few hot statements worth it."""

from collections.abc import Mapping
from typing import Any

import psycopg
from django.db import connection


def fetch_one_prepared(sql: str, params: Mapping[str, Any]) -> tuple | None:
    """The first row of one statement run on the default PostgreSQL connection as a
    server-side prepared statement: planned once per connection rather than on every call
    (a hot path's large statement plans in as long as it runs). Its errors are Django's,
    as from any cursor. Unprepared when DATABASE_PREPARED_STATEMENTS=false (PgBouncer
    before 1.21 in transaction mode)."""
    with (
        connection.cursor() as wrapper,
        connection.wrap_database_errors,
        psycopg.Cursor(wrapper.cursor.connection) as cursor,
    ):
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()
