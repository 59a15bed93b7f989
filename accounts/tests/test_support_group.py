"""The `Support` group a migration creates: a member does every support task in the admin,
and changes neither the catalog nor anyone's powers."""

import uuid

import pytest
from django.contrib.auth.models import Group

from accounts.support import SUPPORT_GROUP, ensure_support_group
from catalog.models import CatalogModel, ProviderEndpoint
from testing import (
    available,
    entries_of,
    person,
    staff,
    support_agent,
    support_staff,
    unfinished_job,
)
from videos.models import Batch
from wallet.models import EntryKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def sue(client):
    """Sue from support: staff, in the Support group and nothing else, logged in."""
    sue = support_staff("sue")
    client.force_login(sue)
    return sue


def test_the_group_holds_what_support_needs():
    permissions = Group.objects.get(name=SUPPORT_GROUP).permissions.all()
    assert sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions) == [
        "accounts.change_user",
        "accounts.view_user",
        "catalog.view_catalogmodel",
        "catalog.view_providerendpoint",
        "videos.change_videojob",
        "videos.view_batch",
        "videos.view_videojob",
        "videos.view_webhookdelivery",
        "wallet.move_credits",
        "wallet.view_ledgerentry",
        "wallet.view_wallet",
    ]


def test_support_finds_a_user_and_their_wallet_and_ledger(client, sue):
    alice = person("alice", credits=100)
    assert "alice@example.com" in client.get("/admin/accounts/user/?q=alice").content.decode()
    assert client.get(f"/admin/accounts/user/{alice.pk}/change/").status_code == 200
    assert client.get("/admin/wallet/wallet/").status_code == 200
    assert client.get("/admin/wallet/ledgerentry/").status_code == 200


@pytest.mark.parametrize(("operation", "change"), [("grant", 40), ("deduct", -40)])
def test_support_grants_and_deducts_credits(client, sue, operation, change):
    alice = person("alice", credits=100)
    response = client.post(
        f"/admin/accounts/user/{alice.pk}/credits/",
        {
            "operation": operation,
            "amount": "40",
            "reason": "Ticket 12",
            "request_id": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    assert available(alice) == 100 + change
    [entry] = entries_of(alice, EntryKind.GRANT if change > 0 else EntryKind.DEDUCTION)[-1:]
    assert (entry.created_by, entry.note) == (sue, "Ticket 12")


def test_support_deactivates_a_user(client, sue):
    alice = person("alice")
    response = client.post(
        f"/admin/accounts/user/{alice.pk}/change/", {"email": alice.email, "is_active": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    alice.refresh_from_db()
    assert not alice.is_active


def test_support_fails_and_refunds_a_stuck_job(client, sue):
    alice = person("alice", credits=200)
    job = unfinished_job(alice, cost=80)
    assert client.get("/admin/videos/videojob/?attention=stuck").status_code == 200
    assert client.get(f"/admin/videos/videojob/{job.pk}/change/").status_code == 200
    response = client.post(f"/admin/videos/videojob/{job.pk}/fail-and-refund/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.charge_status) == ("failed", "refunded")
    assert available(alice) == 200


def test_support_sees_batches_and_webhook_deliveries(client, sue):
    alice = person("alice")
    batch = Batch.objects.create(owner=alice, prompt="x", model="sora-2", seconds=4, size="s")
    assert client.get("/admin/videos/batch/").status_code == 200
    assert client.get(f"/admin/videos/batch/{batch.pk}/change/").status_code == 200
    assert client.get("/admin/videos/webhookdelivery/").status_code == 200


def test_support_reads_the_catalog_but_cannot_change_it(client, sue):
    sora = CatalogModel.objects.get(model_id="sora-2")
    endpoint = ProviderEndpoint.objects.get(name="default")
    page = client.get(f"/admin/catalog/catalogmodel/{sora.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/catalog/catalogmodel/{sora.pk}/change/", {}).status_code == 403
    assert client.get("/admin/catalog/catalogmodel/add/").status_code == 403
    assert client.post(f"/admin/catalog/providerendpoint/{endpoint.pk}/change/").status_code == 403
    response = client.post(
        "/admin/catalog/catalogmodel/",
        {"action": "disable", "_selected_action": [sora.pk]},
    )
    sora.refresh_from_db()
    assert sora.enabled, response.status_code


def test_support_cannot_manage_staff(client, sue):
    sam = staff("sam")
    assert client.get(f"/admin/accounts/user/{sam.pk}/change/").status_code == 200  # read only
    assert client.post(f"/admin/accounts/user/{sam.pk}/change/", {}).status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


def test_the_dashboard_shows_support_only_what_it_can_open(client, sue):
    unfinished_job(person("alice"), minutes_ago=30)
    response = client.get("/admin/")
    # The catalog panel links pages support may read; the worker's tasks are not support's.
    assert list(response.context["dashboard"]) == ["catalog", "jobs"]
    page = response.content.decode()
    assert "/admin/videos/videojob/?attention=stuck" in page
    assert "/admin/django_q/" not in page


def test_a_staff_member_without_permissions_sees_no_dashboard_links(client):
    client.force_login(support_agent("nova"))  # staff, no group, no permission
    response = client.get("/admin/")
    assert response.status_code == 200 and response.context["dashboard"] == {}
    page = response.content.decode()
    assert "/admin/videos/videojob/" not in page and "/admin/django_q/" not in page


def test_a_superuser_sees_every_panel(client, sam):
    assert list(client.get("/admin/").context["dashboard"]) == ["catalog", "jobs", "tasks"]


def test_it_is_not_recreated_over_an_admins_changes():
    group = Group.objects.get(name=SUPPORT_GROUP)
    group.permissions.remove(group.permissions.get(codename="move_credits"))
    ensure_support_group()
    assert not group.permissions.filter(codename="move_credits").exists()
