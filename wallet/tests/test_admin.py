import uuid

import pytest
from django.contrib.auth.models import Permission

from testing import entries_of, person, wallet_of
from wallet.models import EntryKind, LedgerEntry
from wallet.services import HoldRequest, reserve_credits

pytestmark = pytest.mark.django_db

WALLETS = "/admin/wallet/wallet/"
ENTRIES = "/admin/wallet/ledgerentry/"


def test_it_lists_wallets_searchable_by_email(client, sam):
    person("alice", credits=100)
    person("bob")
    response = client.get(WALLETS, {"q": "alice@"})
    assert response.status_code == 200
    assert b"alice@example.com" in response.content
    assert b"bob@example.com" not in response.content


def test_it_links_each_wallet_to_the_one_credits_form(client, sam):
    alice = person("alice", credits=100)
    response = client.get(WALLETS)
    assert f"/admin/accounts/user/{alice.pk}/credits/" in response.content.decode()


def test_it_hides_credit_moves_from_staff_without_the_permission(client):
    viewer = person("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_wallet"))
    client.force_login(viewer)
    alice = person("alice", credits=100)
    response = client.get(WALLETS)
    assert b"alice@example.com" in response.content
    assert f"/admin/accounts/user/{alice.pk}/credits/" not in response.content.decode()
    form = {"operation": "grant", "amount": 25, "reason": "x", "request_id": str(uuid.uuid4())}
    assert client.post(f"/admin/accounts/user/{alice.pk}/credits/", form).status_code == 403
    assert wallet_of(alice).available == 100


def test_it_shows_entries_read_only(client, sam):
    alice = person("alice")
    [welcome] = entries_of(alice)
    assert client.get(ENTRIES, {"kind__exact": "welcome"}).status_code == 200
    assert client.get(f"{ENTRIES}{welcome.pk}/change/").status_code == 200
    assert client.post(f"{ENTRIES}{welcome.pk}/change/", {"note": "x"}).status_code == 403
    assert client.post(f"{ENTRIES}{welcome.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{ENTRIES}add/").status_code == 403
    assert LedgerEntry.objects.get(pk=welcome.pk).note == welcome.note


def test_it_lists_entries_in_a_fixed_number_of_queries(client, sam, django_assert_max_num_queries):
    alice = person("alice", credits=100)
    reserve_credits(user=alice, holds=[HoldRequest(amount=1, key=f"v:{n}") for n in range(20)])
    with django_assert_max_num_queries(8):
        assert client.get(ENTRIES).status_code == 200


def test_it_releases_a_pending_hold(client, sam):
    alice = person("alice", credits=100)
    [hold] = reserve_credits(user=alice, holds=[HoldRequest(amount=40, key="video:1")])
    [welcome] = entries_of(alice, EntryKind.WELCOME)
    response = client.post(
        ENTRIES, {"action": "release_holds", "_selected_action": [hold.pk, welcome.pk]}
    )
    assert response.status_code == 302
    [release] = entries_of(alice, EntryKind.RELEASE)
    assert (release.hold, release.created_by) == (hold, sam)
    assert wallet_of(alice).available == 100


def test_it_refuses_to_release_a_video_hold_and_points_to_the_job(client, sam):
    alice = person("alice", credits=100)
    video_id = uuid.uuid4()
    [video_hold, plain_hold] = reserve_credits(
        user=alice,
        holds=[
            HoldRequest(amount=40, key=f"video:{video_id}", video_id=video_id),
            HoldRequest(amount=10, key="manual:1"),
        ],
    )
    response = client.post(
        ENTRIES,
        {"action": "release_holds", "_selected_action": [video_hold.pk, plain_hold.pk]},
        follow=True,
    )
    [release] = entries_of(alice, EntryKind.RELEASE)
    assert release.hold == plain_hold
    assert wallet_of(alice).reserved == 40
    page = response.content.decode()
    assert f'href="/admin/videos/videojob/{video_id}/change/"' in page
    assert "Fail and refund" in page
    assert "Released 1 hold(s)." in page
    assert "not pending holds" not in page
