import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.models import User
from accounts.services import register_user
from testing import PASSWORD, entries_of, wallet_of
from wallet.models import EntryKind, Wallet
from wallet.services import grant_credits, open_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _welcome_at_registration(settings):
    # WELCOME_CREDITS_AFTER=registration, the old behaviour (the default waits for the
    # verified email: test_welcome_at_verification.py).
    settings.WELCOME_CREDITS_AFTER = "registration"


def test_it_opens_a_wallet_with_welcome_credits_at_registration(settings):
    settings.WELCOME_CREDITS = 150
    alice = register_user(email="alice@example.com", password=PASSWORD)
    wallet = wallet_of(alice)
    assert (wallet.balance, wallet.reserved, wallet.available) == (150, 0, 150)
    [welcome] = entries_of(alice)
    assert (welcome.kind, welcome.amount, welcome.balance_after, welcome.key) == (
        EntryKind.WELCOME,
        150,
        150,
        "welcome",
    )


def test_it_grants_welcome_credits_only_once(settings):
    settings.WELCOME_CREDITS = 200
    alice = User.objects.create_user(email="alice@example.com", password=PASSWORD)
    assert open_wallet(user=alice) == open_wallet(user=alice) == wallet_of(alice)
    assert wallet_of(alice).balance == 200
    assert len(entries_of(alice, EntryKind.WELCOME)) == 1


def test_it_writes_no_entry_when_welcome_credits_are_zero(settings):
    settings.WELCOME_CREDITS = 0
    alice = User.objects.create_user(email="alice@example.com", password=PASSWORD)
    assert wallet_of(alice).balance == 0
    assert entries_of(alice) == []


def test_it_opens_a_wallet_for_createsuperuser(settings):
    settings.WELCOME_CREDITS = 200
    call_command("createsuperuser", email="root@example.com", interactive=False, verbosity=0)
    assert wallet_of(User.objects.get(email="root@example.com")).balance == 200


def test_it_opens_a_wallet_late_for_a_user_saved_without_the_manager(settings):
    settings.WELCOME_CREDITS = 200
    bob = User.objects.create(email="bob@example.com")
    grant_credits(user=bob, amount=5, reason="goodwill")
    assert wallet_of(bob).balance == 205


def test_it_opens_a_wallet_for_a_user_added_in_the_admin(client, settings):
    settings.WELCOME_CREDITS = 200
    client.force_login(User.objects.create_superuser(email="root@example.com", password="x"))
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "carol@example.com",
            "password1": "a good start 42",
            "password2": "a good start 42",
        },
    )
    assert response.status_code == 302
    assert wallet_of(User.objects.get(email="carol@example.com")).balance == 200


def test_the_wallet_is_written_and_rolled_back_with_its_user(settings):
    settings.WELCOME_CREDITS = 200
    with pytest.raises(RuntimeError), transaction.atomic():
        dave = User.objects.create_user(email="dave@example.com", password=PASSWORD)
        assert wallet_of(dave).balance == 200  # before anything is committed
        raise RuntimeError("the registration failed after the user was saved")
    assert not User.objects.filter(email="dave@example.com").exists()
    assert not Wallet.objects.filter(user__email="dave@example.com").exists()
