"""A hold costs two statements in the common case: the wallet UPDATE that checks and
moves the reserved total (and locks the row), and the INSERT of the entries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from testing import person
from wallet.models import LedgerEntry, Wallet
from wallet.selectors import wallet_totals
from wallet.services import HoldRequest, reserve_credits

pytestmark = pytest.mark.django_db


def statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_a_hold_is_one_update_and_one_insert():
    alice = person("alice", credits=500)
    with CaptureQueriesContext(connection) as queries:
        entries = reserve_credits(
            user=alice, holds=[HoldRequest(amount=40, key=f"video:{n}") for n in range(3)]
        )
    sql = statements(queries)
    assert len(sql) == 2, sql
    assert sql[0].startswith("UPDATE") and sql[1].startswith("INSERT")
    assert [entry.reserved_after for entry in entries] == [40, 80, 120]
    assert all(entry.pk for entry in entries)
    assert wallet_totals(user=alice)["available"] == 380


def test_a_replayed_key_falls_back_to_the_locked_path_and_reserves_nothing_more():
    alice = person("alice", credits=500)
    first = reserve_credits(user=alice, holds=[HoldRequest(amount=40, key="video:a")])
    again = reserve_credits(
        user=alice,
        holds=[HoldRequest(amount=40, key="video:a"), HoldRequest(amount=10, key="video:b")],
    )
    assert again[0].pk == first[0].pk
    wallet = Wallet.objects.get(user=alice)
    assert wallet.reserved == 50
    chain = LedgerEntry.objects.filter(wallet=wallet, kind="hold").order_by("id")
    assert [entry.reserved_after for entry in chain] == [40, 50]
