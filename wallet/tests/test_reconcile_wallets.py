import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from testing import entries_of, person
from wallet.models import EntryKind, LedgerEntry, Wallet
from wallet.services import HoldRequest, release_hold, reserve_credits, settle_hold

pytestmark = pytest.mark.django_db


def reconcile() -> str:
    stdout = io.StringIO()
    call_command("reconcile_wallets", stdout=stdout)
    return stdout.getvalue()


def raw_sql(sql: str, params: list) -> None:
    """Tamper as a database superuser could: past the trigger that keeps entries immutable
    (replication mode skips triggers, for this transaction only)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.fixture
def alice():
    """testing's alice, with a history: a settled, a released and a pending hold."""
    alice = person("alice", credits=100)
    holds = reserve_credits(
        user=alice,
        holds=[HoldRequest(amount=a, key=f"video:{a}") for a in (10, 20, 15)],
    )
    settle_hold(hold_id=holds[0].pk)
    release_hold(hold_id=holds[1].pk)
    return alice


def test_it_finds_no_drift_in_a_healthy_ledger(alice):
    person("bob")
    assert "Checked 2 wallets and 8 entries: no drift." in reconcile()


def test_it_exits_1_when_an_entry_was_altered_in_raw_sql(alice):
    [welcome] = entries_of(alice, EntryKind.WELCOME)
    raw_sql(
        f"UPDATE {LedgerEntry._meta.db_table} SET balance_change = balance_change + 5 "
        "WHERE id = %s",
        [welcome.pk],
    )
    with pytest.raises(CommandError) as raised:
        reconcile()
    assert raised.value.returncode == 1
    assert "problem" in str(raised.value)


def test_it_exits_1_when_a_wallet_total_drifted(alice):
    raw_sql(
        f"UPDATE {Wallet._meta.db_table} SET balance = balance + 1 WHERE user_id = %s", [alice.pk]
    )
    with pytest.raises(CommandError) as raised:
        reconcile()
    assert raised.value.returncode == 1


def test_it_exits_1_when_a_running_total_was_rewritten(alice):
    last = entries_of(alice)[-1]
    raw_sql(
        f"UPDATE {LedgerEntry._meta.db_table} SET balance_after = balance_after + 7, "
        "reserved_after = reserved_after + 7 WHERE id = %s",
        [last.pk],
    )
    with pytest.raises(CommandError):
        reconcile()


def test_it_exits_1_when_a_resolution_points_at_another_hold(alice):
    # Totals and running sums stay right: only the hold/resolution pairing is wrong.
    settle = entries_of(alice, EntryKind.SETTLE)[0]
    pending_hold = entries_of(alice, EntryKind.HOLD)[2]
    raw_sql(
        f"UPDATE {LedgerEntry._meta.db_table} SET hold_id = %s WHERE id = %s",
        [pending_hold.pk, settle.pk],
    )
    with pytest.raises(CommandError) as raised:
        reconcile()
    assert "1 problem" in str(raised.value)
