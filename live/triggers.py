"""The database trigger that turns each change of a video job into a row of `job_events`.

It runs inside the transaction that changes the job, so an event exists exactly when the
change commits, whoever made it (the lifecycle, the admin, raw SQL). On PostgreSQL it also
sends `NOTIFY job_events, '<event id> <owner id>'`, which PostgreSQL delivers at commit.

Only the columns a user sees move it (status, progress, charge, file, error), so poller
bookkeeping (next_poll_at, leases) makes no events. It names no status, so new statuses
need no change here. SQLite rebuilds a table when some columns are added, dropping its
triggers: `ensure_triggers` puts them back after every `migrate`.
"""

from django.db import connections

JOBS = "videos_videojob"
EVENTS = "job_events"
CHANNEL = "job_events"
WATCHED = ("status", "progress", "charge_status", "file", "error_code", "error_message")

_new = ", ".join(f"NEW.{column}" for column in WATCHED)
_old = ", ".join(f"OLD.{column}" for column in WATCHED)

POSTGRES_INSTALL = [
    f"""
CREATE OR REPLACE FUNCTION {EVENTS}_record() RETURNS trigger AS $$
DECLARE
    event_id bigint;
BEGIN
    IF TG_OP = 'UPDATE' AND ROW({_new}) IS NOT DISTINCT FROM ROW({_old}) THEN
        RETURN NULL;
    END IF;
    INSERT INTO {EVENTS} (job_id, owner_id, created_at)
        VALUES (NEW.id, NEW.owner_id, clock_timestamp())
        RETURNING id INTO event_id;
    PERFORM pg_notify('{CHANNEL}', event_id::text || ' ' || NEW.owner_id::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
""",  # noqa: S608 (fixed identifiers, no input)
    f"DROP TRIGGER IF EXISTS {JOBS}_{EVENTS} ON {JOBS};",
    f"""CREATE TRIGGER {JOBS}_{EVENTS} AFTER INSERT OR UPDATE ON {JOBS}
    FOR EACH ROW EXECUTE FUNCTION {EVENTS}_record();""",
]
POSTGRES_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {JOBS}_{EVENTS} ON {JOBS};",
    f"DROP FUNCTION IF EXISTS {EVENTS}_record();",
]

_sqlite_insert = (
    f"INSERT INTO {EVENTS} (job_id, owner_id, created_at) "  # noqa: S608 (fixed identifiers)
    "VALUES (NEW.id, NEW.owner_id, strftime('%Y-%m-%d %H:%M:%f', 'now'));"
)
_sqlite_changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in WATCHED)
SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS {JOBS}_{EVENTS}_insert AFTER INSERT ON {JOBS}
    BEGIN {_sqlite_insert} END;""",
    f"""CREATE TRIGGER IF NOT EXISTS {JOBS}_{EVENTS}_update AFTER UPDATE ON {JOBS}
    WHEN {_sqlite_changed}
    BEGIN {_sqlite_insert} END;""",
]
SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {JOBS}_{EVENTS}_insert;",
    f"DROP TRIGGER IF EXISTS {JOBS}_{EVENTS}_update;",
]


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_INSTALL, "sqlite": SQLITE_INSTALL}.get(vendor, []):
        schema_editor.execute(statement, params=None)


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_UNINSTALL, "sqlite": SQLITE_UNINSTALL}.get(vendor, []):
        schema_editor.execute(statement, params=None)


def ensure_triggers(using: str = "default", **kwargs) -> None:
    """post_migrate receiver: (re)install the trigger once both tables exist."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if JOBS not in tables or EVENTS not in tables or _installed(connection):
        return
    with connection.schema_editor() as schema_editor:
        install(schema_editor)


def _installed(connection) -> bool:
    if connection.vendor == "postgresql":
        query = "SELECT count(*) FROM pg_trigger WHERE tgname = %s AND NOT tgisinternal"
        names = [f"{JOBS}_{EVENTS}"]
    elif connection.vendor == "sqlite":
        query = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)"
        names = [f"{JOBS}_{EVENTS}_insert", f"{JOBS}_{EVENTS}_update"]
    else:
        return True
    with connection.cursor() as cursor:
        cursor.execute(query, names)
        return cursor.fetchone()[0] == len(names)
