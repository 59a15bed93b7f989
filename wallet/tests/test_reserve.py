import uuid

import pytest
from django.db import transaction

from testing import entries_of, person, wallet_of
from wallet.exceptions import InsufficientCredits, LedgerKeyReused
from wallet.models import EntryKind
from wallet.services import (
    HoldRequest,
    reserve_credits,
)

pytestmark = pytest.mark.django_db


def test_it_reserves_credits_with_a_hold():
    alice = person("alice", credits=100)
    video_id = uuid.uuid4()
    [hold] = reserve_credits(
        user=alice, holds=[HoldRequest(amount=40, key=f"video:{video_id}", video_id=video_id)]
    )
    assert (hold.kind, hold.amount, hold.reserved_change, hold.video_id) == (
        EntryKind.HOLD,
        -40,
        40,
        video_id,
    )
    wallet = wallet_of(alice)
    assert (wallet.balance, wallet.reserved, wallet.available) == (100, 40, 60)
    assert (hold.balance_after, hold.reserved_after) == (100, 40)


def test_it_reserves_a_batch_all_at_once():
    alice = person("alice", credits=100)
    batch_id = uuid.uuid4()
    holds = [HoldRequest(amount=25, key=f"video:{n}", batch_id=batch_id) for n in range(4)]
    entries = reserve_credits(user=alice, holds=holds)
    assert [entry.batch_id for entry in entries] == [batch_id] * 4
    assert wallet_of(alice).available == 0


def test_it_reserves_nothing_when_the_batch_does_not_fit():
    alice = person("alice", credits=100)
    holds = [HoldRequest(amount=30, key=f"video:{n}") for n in range(4)]
    with pytest.raises(InsufficientCredits) as raised:
        reserve_credits(user=alice, holds=holds)
    assert (raised.value.needed, raised.value.available) == (120, 100)
    assert entries_of(alice, EntryKind.HOLD) == []
    assert wallet_of(alice).reserved == 0


def test_it_moves_credits_once_when_retried_with_the_same_key():
    alice = person("alice", credits=100)
    [first] = reserve_credits(user=alice, holds=[HoldRequest(amount=40, key="video:1")])
    [again] = reserve_credits(user=alice, holds=[HoldRequest(amount=40, key="video:1")])
    assert again == first
    assert wallet_of(alice).reserved == 40
    assert len(entries_of(alice, EntryKind.HOLD)) == 1


def test_it_places_only_the_new_holds_of_a_retried_batch():
    alice = person("alice", credits=100)
    reserve_credits(user=alice, holds=[HoldRequest(amount=60, key="video:1")])
    entries = reserve_credits(
        user=alice,
        holds=[HoldRequest(amount=60, key="video:1"), HoldRequest(amount=40, key="video:2")],
    )
    assert [entry.key for entry in entries] == ["video:1", "video:2"]
    assert wallet_of(alice).available == 0


def test_it_refuses_a_key_reused_for_another_amount():
    alice = person("alice", credits=100)
    reserve_credits(user=alice, holds=[HoldRequest(amount=40, key="video:1")])
    with pytest.raises(LedgerKeyReused):
        reserve_credits(user=alice, holds=[HoldRequest(amount=50, key="video:1")])


def test_it_refuses_the_same_key_twice_in_one_request():
    alice = person("alice", credits=100)
    with pytest.raises(ValueError):
        reserve_credits(
            user=alice,
            holds=[HoldRequest(amount=10, key="video:1"), HoldRequest(amount=10, key="video:1")],
        )


def test_it_refuses_a_hold_that_is_not_positive():
    with pytest.raises(ValueError):
        HoldRequest(amount=0, key="video:1")


def test_it_lets_keys_repeat_across_wallets():
    alice = person("alice", credits=100)
    bob = person("bob", credits=100)
    reserve_credits(user=alice, holds=[HoldRequest(amount=10, key="video:1")])
    reserve_credits(user=bob, holds=[HoldRequest(amount=10, key="video:1")])
    assert wallet_of(bob).reserved == 10


def test_it_takes_part_in_the_callers_transaction():
    alice = person("alice", credits=100)
    with pytest.raises(RuntimeError), transaction.atomic():
        reserve_credits(user=alice, holds=[HoldRequest(amount=40, key="video:1")])
        assert wallet_of(alice).reserved == 40
        raise RuntimeError("the caller's next step failed")
    assert wallet_of(alice).reserved == 0
    assert entries_of(alice, EntryKind.HOLD) == []
