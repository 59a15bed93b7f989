"""Support staff who may change users cannot make anyone, themselves included, more powerful."""

import pytest
from django.contrib.auth.models import Group, Permission

from testing import person, support_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat(client):
    """Pat from support: staff, may view and change users, may not move credits."""
    pat = support_agent("pat", "accounts.view_user", "accounts.change_user")
    client.force_login(pat)
    return pat


def change_url(user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def forged_post(client, user):
    """The change form as a browser would send it, with every privilege ticked."""
    group = Group.objects.create(name="finance")
    group.permissions.add(Permission.objects.get(codename="move_credits"))
    return client.post(
        change_url(user),
        {
            "email": user.email,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [group.pk],
            "user_permissions": [Permission.objects.get(codename="move_credits").pk],
        },
    )


def test_it_shows_privileges_read_only_to_a_non_superuser(client, pat):
    page = client.get(change_url(pat)).content.decode()
    assert 'name="email"' in page
    for field in ["is_staff", "is_superuser", "groups", "user_permissions"]:
        assert f'name="{field}"' not in page


def test_a_non_superuser_cannot_make_themselves_superuser(client, pat):
    response = forged_post(client, pat)
    assert response.status_code == 302  # saved, with the privileges left out
    pat.refresh_from_db()
    assert not pat.is_superuser
    assert not pat.groups.exists()
    assert set(pat.user_permissions.values_list("codename", flat=True)) == {
        "view_user",
        "change_user",
    }
    response = client.post(
        f"/admin/accounts/user/{pat.pk}/credits/",
        {"operation": "grant", "amount": 1_000_000, "reason": "mine"},
    )
    assert response.status_code == 403


def test_a_non_superuser_cannot_make_a_customer_staff(client, pat):
    alice = person("alice")
    assert forged_post(client, alice).status_code == 302
    alice.refresh_from_db()
    assert not alice.is_staff and not alice.is_superuser
    assert not alice.groups.exists() and not alice.user_permissions.exists()


def test_a_superuser_still_grants_privileges(client, sam):
    alice = person("alice")
    assert forged_post(client, alice).status_code == 302
    alice.refresh_from_db()
    assert alice.is_staff and alice.is_superuser
    assert alice.groups.get().name == "finance"
    assert alice.user_permissions.get().codename == "move_credits"


@pytest.mark.parametrize("superuser", [True, False])
def test_a_non_superuser_cannot_take_over_another_staff_account(client, pat, superuser):
    lee = support_agent("lee", "wallet.move_credits")
    lee.is_superuser = superuser
    lee.save()
    assert client.get(change_url(lee)).status_code == 200  # still visible, read-only
    password_url = f"/admin/accounts/user/{lee.pk}/password/"
    new_password = {"password1": "pat owns lee now 42", "password2": "pat owns lee now 42"}
    assert client.post(password_url, new_password).status_code == 403
    assert client.post(change_url(lee), {"email": "pat+lee@storycraft.test"}).status_code == 403
    lee.refresh_from_db()
    assert lee.email == "lee@storycraft.test"
    assert lee.check_password("correct horse 42")


def test_a_non_superuser_still_changes_customers_and_their_own_password(client, pat):
    alice = person("alice")
    new_password = {"password1": "a fresh start 42", "password2": "a fresh start 42"}
    for user in (alice, pat):
        response = client.post(f"/admin/accounts/user/{user.pk}/password/", new_password)
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password("a fresh start 42")
