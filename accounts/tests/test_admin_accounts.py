"""Support sees who verified and who deleted their account, resends verification links
and deletes accounts (with a confirmation page) from the user list."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from accounts.models import User
from accounts.services import delete_account
from testing import available, person, staff, support_agent

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


def act(client, action, *users, **extra):
    body = {"action": action, ACTION_CHECKBOX_NAME: [user.pk for user in users], **extra}
    return client.post(USERS, body)


def test_the_list_shows_and_filters_the_verified_state(client, sam):
    alice, bob = person("alice"), person("bob", verified=False)
    response = client.get(USERS, {"email_verified__exact": "0"})
    assert response.status_code == 200
    assert bob.email in response.text and alice.email not in response.text


def test_a_deleted_account_is_shown_as_such(client, sam):
    gone = delete_account(user=person("alice"))
    response = client.get(USERS, {"deleted": "yes"})
    assert gone.email in response.text
    assert f"deleted {gone.deleted_at:%Y-%m-%d}" in response.text
    assert client.get(f"{USERS}{gone.pk}/change/").status_code == 200


def test_resend_verification_emails_the_unverified_only(client, sam, smtp_server, committed):
    alice, bob = person("alice"), person("bob", verified=False)
    with committed():
        response = act(client, "resend_verification", alice, bob)
    assert response.status_code == 302
    assert [message["To"] for message in smtp_server.messages] == ["bob@example.com"]


def test_delete_asks_first_then_deletes(client, sam, committed):
    alice = person("alice")

    confirmation = act(client, "delete_accounts", alice)
    assert confirmation.status_code == 200
    assert "Yes, delete 1 account(s)" in confirmation.text
    assert User.objects.get(pk=alice.pk).is_active

    with committed():
        response = act(client, "delete_accounts", alice, post="yes")

    assert response.status_code == 302
    gone = User.objects.get(pk=alice.pk)
    assert (gone.is_active, gone.is_deleted) == (False, True)
    assert available(gone) == 200  # the wallet and its ledger stay


def test_nobody_deletes_their_own_account_here(client, sam):
    act(client, "delete_accounts", sam, post="yes")
    assert User.objects.get(pk=sam.pk).is_active


def test_only_a_superuser_deletes_staff_accounts(client):
    sue = support_agent("sue", "accounts.view_user", "accounts.change_user", "accounts.delete_user")
    tess, alice = staff("tess"), person("alice")
    client.force_login(sue)
    act(client, "delete_accounts", tess, alice, post="yes")
    assert User.objects.get(pk=tess.pk).is_active
    assert User.objects.get(pk=alice.pk).is_deleted


def test_the_database_delete_action_is_gone(client, sam):
    alice = person("alice")
    act(client, "delete_selected", alice, post="yes")
    assert User.objects.filter(pk=alice.pk).exists()
