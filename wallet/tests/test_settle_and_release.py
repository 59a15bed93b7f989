import uuid

import pytest
from django.db import transaction

from testing import entries_of, person, wallet_of
from wallet.exceptions import HoldBelongsToVideo
from wallet.models import EntryKind, LedgerEntry
from wallet.selectors import hold_status
from wallet.services import HoldRequest, release_hold, reserve_credits, settle_hold

pytestmark = pytest.mark.django_db


def hold_for(user, amount=40, key="video:1") -> LedgerEntry:
    [hold] = reserve_credits(user=user, holds=[HoldRequest(amount=amount, key=key)])
    return hold


def test_it_charges_the_held_credits_on_settle():
    alice = person("alice", credits=100)
    hold = hold_for(alice)
    settle = settle_hold(hold_id=hold.pk)
    assert (settle.kind, settle.hold, settle.amount, settle.balance_change) == (
        EntryKind.SETTLE,
        hold,
        0,
        -40,
    )
    wallet = wallet_of(alice)
    assert (wallet.balance, wallet.reserved, wallet.available) == (60, 0, 60)
    assert hold_status(hold) == "settled"


def test_it_gives_the_held_credits_back_on_release():
    alice = person("alice", credits=100)
    staff = person("sam", is_staff=True)
    hold = hold_for(alice)
    release = release_hold(hold_id=hold.pk, note="provider failed", staff=staff)
    assert (release.kind, release.amount, release.note, release.created_by) == (
        EntryKind.RELEASE,
        40,
        "provider failed",
        staff,
    )
    wallet = wallet_of(alice)
    assert (wallet.balance, wallet.reserved, wallet.available) == (100, 0, 100)
    assert hold_status(hold) == "refunded"


def test_it_keeps_a_hold_pending_until_resolved():
    alice = person("alice", credits=100)
    assert hold_status(hold_for(alice)) == "pending"


def test_it_returns_the_first_resolution_when_asked_again():
    alice = person("alice", credits=100)
    hold = hold_for(alice)
    release = release_hold(hold_id=hold.pk)
    assert settle_hold(hold_id=hold.pk) == release
    assert release_hold(hold_id=hold.pk) == release
    assert wallet_of(alice).balance == 100
    assert len(entries_of(alice, EntryKind.SETTLE, EntryKind.RELEASE)) == 1


def test_it_settles_inside_the_callers_transaction():
    alice = person("alice", credits=100)
    hold = hold_for(alice)
    with transaction.atomic():
        settle_hold(hold_id=hold.pk)
    assert wallet_of(alice).balance == 60


def test_it_copies_the_video_and_batch_onto_the_resolution():
    alice = person("alice", credits=100)
    video_id, batch_id = uuid.uuid4(), uuid.uuid4()
    [hold] = reserve_credits(
        user=alice,
        holds=[HoldRequest(amount=10, key="video:1", video_id=video_id, batch_id=batch_id)],
    )
    settle = settle_hold(hold_id=hold.pk, video_id=video_id)
    assert (settle.video_id, settle.batch_id) == (video_id, batch_id)


def test_it_refuses_to_resolve_an_entry_that_is_not_a_hold():
    alice = person("alice", credits=100)
    [welcome] = entries_of(alice, EntryKind.WELCOME)
    with pytest.raises(LedgerEntry.DoesNotExist):
        settle_hold(hold_id=welcome.pk)


def test_it_refuses_to_release_a_video_hold_without_its_video():
    alice = person("alice", credits=100)
    video_id = uuid.uuid4()
    [hold] = reserve_credits(
        user=alice, holds=[HoldRequest(amount=40, key=f"video:{video_id}", video_id=video_id)]
    )
    for someone_else in (None, uuid.uuid4()):
        with pytest.raises(HoldBelongsToVideo) as refused:
            release_hold(hold_id=hold.pk, video_id=someone_else, note="support")
        assert (refused.value.hold_id, refused.value.video_id) == (hold.pk, video_id)
        with pytest.raises(HoldBelongsToVideo):
            settle_hold(hold_id=hold.pk, video_id=someone_else)
    assert hold_status(hold) == "pending"
    assert wallet_of(alice).reserved == 40


def test_it_releases_a_video_hold_for_its_video():
    alice = person("alice", credits=100)
    video_id = uuid.uuid4()
    [hold] = reserve_credits(
        user=alice, holds=[HoldRequest(amount=40, key=f"video:{video_id}", video_id=video_id)]
    )
    release = release_hold(hold_id=hold.pk, video_id=video_id)
    assert (release.kind, release.video_id) == (EntryKind.RELEASE, video_id)
    assert wallet_of(alice).available == 100
