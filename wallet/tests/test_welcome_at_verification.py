"""WELCOME_CREDITS_AFTER=verification (the default): the wallet opens empty and the free
credits come when the email is verified, once."""

import pytest

from accounts.models import User
from accounts.services import mark_email_verified, register_user
from testing import PASSWORD, available, entries_of, person, wallet_of
from wallet.models import EntryKind
from wallet.services import grant_welcome_credits

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _welcome_at_verification(settings):
    settings.WELCOME_CREDITS_AFTER = "verification"
    settings.WELCOME_CREDITS = 200


def test_a_new_wallet_holds_nothing_until_verification():
    alice = register_user(email="alice@example.com", password=PASSWORD)
    assert (wallet_of(alice).balance, entries_of(alice)) == (0, [])


def test_verification_grants_the_welcome_credits():
    alice = person("alice", verified=False)
    mark_email_verified(user=alice)
    [welcome] = entries_of(alice)
    assert (welcome.kind, welcome.amount, welcome.key) == (EntryKind.WELCOME, 200, "welcome")
    assert available(alice) == 200


def test_verifying_again_grants_nothing_more():
    alice = person("alice")
    mark_email_verified(user=alice)
    assert grant_welcome_credits(user=alice) == entries_of(alice, EntryKind.WELCOME)[0]
    assert available(alice) == 200


def test_bought_or_granted_credits_need_no_verification():
    alice = person("alice", verified=False, credits=50)
    assert available(alice) == 50
    mark_email_verified(user=alice)
    assert available(alice) == 250


def test_createsuperuser_opens_an_empty_wallet():
    root = User.objects.create_superuser(email="root@example.com", password=PASSWORD)
    assert wallet_of(root).balance == 0


def test_nothing_is_granted_when_welcome_credits_are_zero(settings):
    settings.WELCOME_CREDITS = 0
    alice = person("alice")
    assert alice.email_verified
    assert entries_of(alice) == []
