import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F, ProtectedError

from testing import entries_of, person
from wallet.models import EntryKind, ImmutableEntryError, LedgerEntry, Wallet
from wallet.services import HoldRequest, reserve_credits, settle_hold

pytestmark = pytest.mark.django_db


@pytest.fixture
def welcome():
    [entry] = entries_of(person("alice"), EntryKind.WELCOME)
    return entry


def test_it_refuses_to_save_a_changed_entry(welcome):
    welcome.note = "rewritten"
    with pytest.raises(ImmutableEntryError):
        welcome.save()


def test_it_refuses_to_delete_an_entry(welcome):
    with pytest.raises(ImmutableEntryError):
        welcome.delete()


def test_it_refuses_queryset_updates_and_deletes(welcome):
    with pytest.raises(ImmutableEntryError):
        LedgerEntry.objects.filter(pk=welcome.pk).update(balance_change=1_000_000)
    with pytest.raises(ImmutableEntryError):
        LedgerEntry.objects.all().delete()
    with pytest.raises(ImmutableEntryError):
        LedgerEntry.objects.bulk_update([welcome], ["note"])


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE wallet_ledgerentry SET balance_change = 1000000 WHERE id = %s",
        "DELETE FROM wallet_ledgerentry WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(welcome, sql):
    with (
        pytest.raises(IntegrityError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [welcome.pk])
    assert LedgerEntry.objects.get(pk=welcome.pk).balance_change == welcome.balance_change


def test_it_refuses_to_delete_a_user_with_a_ledger(welcome):
    with pytest.raises(ProtectedError):
        welcome.wallet.user.delete()


def test_the_database_refuses_a_second_resolution_of_a_hold():
    alice = person("alice", credits=100)
    [hold] = reserve_credits(user=alice, holds=[HoldRequest(amount=40, key="video:1")])
    settle = settle_hold(hold_id=hold.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            wallet=hold.wallet,
            kind=EntryKind.RELEASE,
            hold=hold,
            balance_change=0,
            reserved_change=-40,
            balance_after=settle.balance_after,
            reserved_after=0,
        )


def test_the_database_refuses_a_negative_available_amount():
    alice = person("alice", credits=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(user=alice).update(reserved=F("balance") + 1)


def test_the_database_refuses_an_entry_of_the_wrong_sign():
    alice = person("alice", credits=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            wallet=alice.wallet,
            kind=EntryKind.GRANT,
            balance_change=-5,
            reserved_change=0,
            balance_after=95,
            reserved_after=0,
        )
