"""Ledger entries refuse UPDATE and DELETE in the database itself, not only in the ORM, so
raw SQL and other clients can't rewrite history either. (TRUNCATE, used by test flushes,
is not a row operation and is not affected.)"""

from django.db import migrations

TABLE = "wallet_ledgerentry"
POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION {TABLE}_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are immutable: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_immutable();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE};
DROP FUNCTION IF EXISTS {TABLE}_immutable();
"""
SQLITE_UP = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_{operation} BEFORE {operation.upper()} ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable: {operation.upper()} refused'); END;"""
    for operation in ("update", "delete")
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {TABLE}_no_{operation};" for operation in ("update", "delete")]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [POSTGRES_UP], "sqlite": SQLITE_UP}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [POSTGRES_DOWN], "sqlite": SQLITE_DOWN}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0002_open_wallets_of_existing_users")]

    operations = [migrations.RunPython(install, uninstall)]
