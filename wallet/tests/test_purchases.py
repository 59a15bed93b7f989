"""The money rules of bought credits (docs/operating.md, "The credits ledger"):
- a purchase is granted once per payment, enforced by the database, not only by Python;
- a refund or dispute never takes available credits below zero: the rest is owed, and a
  wallet that owes places no hold until a grant or a purchase settles it."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from testing import available, entries_of, person, wallet_of
from wallet.exceptions import CreditsOwed
from wallet.models import EntryKind, LedgerEntry
from wallet.services import (
    HoldRequest,
    grant_credits,
    purchase_credits,
    reserve_credits,
    take_back_credits,
)

pytestmark = pytest.mark.django_db


def test_a_payment_is_granted_once():
    bob = person("bob", credits=0)
    first = purchase_credits(user=bob, amount=500, payment_id="pi_1")
    again = purchase_credits(user=bob, amount=500, payment_id="pi_1")
    assert (first.created, again.created, again.entry.pk) == (True, False, first.entry.pk)
    assert available(bob) == 500


def test_the_database_refuses_a_second_purchase_of_one_payment_on_any_wallet():
    bob, eve = person("bob", credits=0), person("eve", credits=0)
    purchase_credits(user=bob, amount=500, payment_id="pi_1")
    wallet = wallet_of(eve)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            wallet=wallet,
            kind=EntryKind.PURCHASE,
            balance_change=500,
            reserved_change=0,
            balance_after=500,
            reserved_after=0,
            key="pi_1",
        )


@pytest.mark.parametrize(
    ("kind", "balance_change", "key"),
    [("purchase", -5, "pi_2"), ("purchase", 5, ""), ("refund", 5, ""), ("refund", 0, "")],
)
def test_the_database_refuses_a_purchase_or_refund_of_the_wrong_shape(kind, balance_change, key):
    wallet = wallet_of(person("bob", credits=0))
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            wallet=wallet,
            kind=kind,
            balance_change=balance_change,
            reserved_change=0,
            balance_after=max(balance_change, 0),
            reserved_after=0,
            key=key,
        )


def test_taking_back_never_goes_below_zero_and_the_rest_is_owed_until_settled():
    bob = person("bob", credits=0)
    purchase_credits(user=bob, amount=500, payment_id="pi_1")
    reserve_credits(user=bob, holds=[HoldRequest(amount=450, key="video:1")])

    taken = take_back_credits(user=bob, amount=500, note="refund")

    assert (taken.taken, taken.owed) == (50, 450)
    wallet = wallet_of(bob)
    assert (wallet.available, wallet.reserved, wallet.owed) == (0, 450, 450)
    with pytest.raises(CreditsOwed):
        reserve_credits(user=bob, holds=[HoldRequest(amount=1, key="video:2")])
    # A replayed hold that was placed before is still answered.
    assert reserve_credits(user=bob, holds=[HoldRequest(amount=450, key="video:1")])

    grant_credits(user=bob, amount=300, reason="goodwill")  # settles 300 of the 450 first
    assert (wallet_of(bob).available, wallet_of(bob).owed) == (0, 150)
    purchase_credits(user=bob, amount=500, payment_id="pi_2")
    assert (wallet_of(bob).available, wallet_of(bob).owed) == (350, 0)
    reserve_credits(user=bob, holds=[HoldRequest(amount=10, key="video:3")])
    assert [entry.amount for entry in entries_of(bob, EntryKind.REFUND)] == [-50, -300, -150]
    call_command("reconcile_wallets")
