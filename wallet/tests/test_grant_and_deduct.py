import pytest

from testing import entries_of, person, wallet_of
from wallet.exceptions import InsufficientCredits, LedgerKeyReused
from wallet.models import EntryKind
from wallet.services import (
    HoldRequest,
    deduct_credits,
    grant_credits,
    reserve_credits,
)

pytestmark = pytest.mark.django_db


def test_it_grants_credits_and_records_who_and_why():
    alice = person("alice", credits=0)
    sam = person("sam", is_staff=True)
    entry = grant_credits(user=alice, amount=50, reason="sorry for the outage", staff=sam)
    assert (entry.kind, entry.amount, entry.note, entry.created_by) == (
        EntryKind.GRANT,
        50,
        "sorry for the outage",
        sam,
    )
    assert wallet_of(alice).balance == 50


def test_it_grants_once_when_retried_with_the_same_key():
    alice = person("alice", credits=0)
    first = grant_credits(user=alice, amount=50, reason="ticket 12", key="ticket:12")
    again = grant_credits(user=alice, amount=50, reason="ticket 12", key="ticket:12")
    assert again == first
    assert wallet_of(alice).balance == 50


def test_it_refuses_a_grant_key_reused_for_a_deduction():
    alice = person("alice", credits=100)
    grant_credits(user=alice, amount=50, reason="ticket 12", key="ticket:12")
    with pytest.raises(LedgerKeyReused):
        deduct_credits(user=alice, amount=50, reason="ticket 12", key="ticket:12")


def test_it_requires_a_reason():
    alice = person("alice")
    with pytest.raises(ValueError):
        grant_credits(user=alice, amount=50, reason="  ")


def test_it_refuses_a_grant_that_is_not_positive():
    alice = person("alice")
    with pytest.raises(ValueError):
        grant_credits(user=alice, amount=-5, reason="oops")


def test_it_deducts_credits():
    alice = person("alice", credits=100)
    entry = deduct_credits(user=alice, amount=30, reason="chargeback")
    assert (entry.kind, entry.amount, entry.balance_after) == (EntryKind.DEDUCTION, -30, 70)


def test_it_never_deducts_held_credits():
    alice = person("alice", credits=100)
    reserve_credits(user=alice, holds=[HoldRequest(amount=80, key="video:1")])
    before = entries_of(alice)
    with pytest.raises(InsufficientCredits) as raised:
        deduct_credits(user=alice, amount=30, reason="chargeback")
    assert (raised.value.needed, raised.value.available) == (30, 20)
    assert entries_of(alice) == before
    assert wallet_of(alice).balance == 100
