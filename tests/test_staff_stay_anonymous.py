"""What a customer reads (a job's error, the ledger's notes) names support, never a staff
member; the audit trail (the ledger's created_by, the admin's LogEntry) keeps who it was."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from testing import api_for, entries_of, person, unfinished_job
from videos.models import VideoJob
from wallet.models import EntryKind, LedgerEntry
from wallet.services import HoldRequest, reserve_credits

pytestmark = pytest.mark.django_db


def everything_alice_reads(alice) -> str:
    client = api_for(alice)
    return " ".join(
        [
            client.get("/videos").content.decode(),
            client.get("/wallet/transactions").content.decode(),
            client.get("/auth/me").content.decode(),
        ]
    )


def audit_trail_of(obj) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )
    )


def test_a_refund_by_support_does_not_name_the_staff_member(client, sam):
    alice = person("alice", credits=100)
    job = unfinished_job(alice, cost=80)
    assert client.post(f"/admin/videos/videojob/{job.pk}/fail-and-refund/").status_code == 302
    seen = everything_alice_reads(alice)
    assert "refunded by support" in seen
    assert sam.email not in seen
    [release] = entries_of(alice, EntryKind.RELEASE)
    assert release.created_by == sam and sam.email not in release.note
    [logged] = audit_trail_of(VideoJob.objects.get(pk=job.pk))
    assert logged.user == sam and "refunded" in logged.get_change_message()


def test_a_hold_released_by_support_does_not_name_the_staff_member(client, sam):
    alice = person("alice", credits=100)
    [hold] = reserve_credits(user=alice, holds=[HoldRequest(amount=40, key="gift:1")])
    response = client.post(
        "/admin/wallet/ledgerentry/", {"action": "release_holds", "_selected_action": [hold.pk]}
    )
    assert response.status_code == 302
    seen = everything_alice_reads(alice)
    assert "Released by support" in seen and sam.email not in seen
    [release] = entries_of(alice, EntryKind.RELEASE)
    assert release.created_by == sam
    [logged] = audit_trail_of(LedgerEntry.objects.get(pk=hold.pk))
    assert logged.user == sam
