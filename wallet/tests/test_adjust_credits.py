import threading

import pytest
from django.db import connection

from testing import entries_of, person, wallet_of
from wallet.exceptions import InsufficientCredits, LedgerKeyReused
from wallet.models import EntryKind
from wallet.services import adjust_credits

pytestmark = pytest.mark.django_db


def test_it_grants_a_positive_change_and_records_who_and_why():
    alice = person("alice", credits=10)
    sam = person("sam", is_staff=True)
    entry = adjust_credits(user=alice, change=50, reason="sorry for the outage", staff=sam)
    assert (entry.kind, entry.balance_change, entry.note, entry.created_by) == (
        EntryKind.GRANT,
        50,
        "sorry for the outage",
        sam,
    )
    assert wallet_of(alice).available == 60


def test_it_deducts_a_negative_change():
    alice = person("alice", credits=100)
    sam = person("sam", is_staff=True)
    entry = adjust_credits(user=alice, change=-30, reason="chargeback", staff=sam)
    assert (entry.kind, entry.balance_change, entry.created_by) == (EntryKind.DEDUCTION, -30, sam)
    assert wallet_of(alice).available == 70


def test_it_refuses_to_deduct_more_than_is_available():
    alice = person("alice", credits=20)
    entries_before = entries_of(alice)
    with pytest.raises(InsufficientCredits) as refused:
        adjust_credits(user=alice, change=-21, reason="chargeback")
    assert (refused.value.needed, refused.value.available) == (21, 20)
    assert wallet_of(alice).available == 20
    assert entries_of(alice) == entries_before


@pytest.mark.parametrize("change, reason", [(0, "nothing"), (5, " "), (-5, "")])
def test_it_requires_a_change_and_a_reason(change, reason):
    alice = person("alice", credits=20)
    with pytest.raises(ValueError):
        adjust_credits(user=alice, change=change, reason=reason)
    assert wallet_of(alice).available == 20


def test_it_records_one_movement_per_key_and_refuses_the_key_for_another():
    alice = person("alice", credits=0)
    first = adjust_credits(user=alice, change=50, reason="ticket 7", key="admin:7")
    assert adjust_credits(user=alice, change=50, reason="ticket 7", key="admin:7") == first
    with pytest.raises(LedgerKeyReused):
        adjust_credits(user=alice, change=-50, reason="ticket 7", key="admin:7")
    assert wallet_of(alice).available == 50


@pytest.mark.django_db(transaction=True)
def test_concurrent_deductions_never_take_more_than_is_available():
    alice = person("alice", credits=100)
    racers = 6
    start = threading.Barrier(racers)
    outcomes: list[str] = []

    def deduct() -> None:
        try:
            start.wait()
            adjust_credits(user=alice, change=-40, reason="race")
            outcomes.append("deducted")
        except InsufficientCredits:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=deduct) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["deducted"] * 2 + ["refused"] * 4
    assert wallet_of(alice).available == 20
    assert [entry.note for entry in entries_of(alice, EntryKind.DEDUCTION)].count("race") == 2
