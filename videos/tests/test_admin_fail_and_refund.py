import pytest

from testing import available, entries_of, person, unfinished_job
from wallet.models import EntryKind

pytestmark = pytest.mark.django_db


def refund_url(job) -> str:
    return f"/admin/videos/videojob/{job.pk}/fail-and-refund/"


def test_the_job_page_offers_fail_and_refund_while_unfinished(client, sam):
    job = unfinished_job(person("alice", credits=100), cost=80)
    response = client.get(f"/admin/videos/videojob/{job.pk}/change/")
    assert refund_url(job).encode() in response.content


def test_it_asks_before_failing(client, sam):
    alice = person("alice", credits=100)
    job = unfinished_job(alice, cost=80)
    response = client.get(refund_url(job))
    assert response.status_code == 200
    assert b"80</strong> credits held" in response.content
    job.refresh_from_db()
    assert job.status == "in_progress"


def test_it_fails_the_job_and_releases_its_hold_once(client, sam):
    alice = person("alice", credits=100)
    job = unfinished_job(alice, cost=80)
    assert client.post(refund_url(job)).status_code == 302
    assert client.post(refund_url(job)).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.charge_status, job.error_code) == (
        "failed",
        "refunded",
        "cancelled_by_support",
    )
    [release] = entries_of(alice, EntryKind.RELEASE)
    assert (release.hold_id, release.created_by) == (job.hold_id, sam)
    assert available(alice) == 100
