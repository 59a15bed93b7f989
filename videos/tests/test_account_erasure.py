"""A deleted account's jobs: nothing left running, every hold released once, nobody else's
touched."""

import pytest

from accounts.services import delete_account
from testing import available, held_jobs, person
from videos.models import ChargeStatus, JobStatus, VideoJob
from videos.services.erasure import end_jobs_of

pytestmark = pytest.mark.django_db


def test_every_unfinished_job_is_refunded_downloading_ones_failed():
    alice = person("alice", credits=300)
    queued, running, downloading = (
        held_jobs(alice, cost=100, status=status)[0]
        for status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS, JobStatus.DOWNLOADING)
    )
    assert available(alice) == 0

    assert end_jobs_of(owner_id=alice.pk) == 3

    states = {job.pk: (job.status, job.charge_status) for job in VideoJob.objects.all()}
    assert states == {
        queued.pk: (JobStatus.CANCELLED, ChargeStatus.REFUNDED),
        running.pk: (JobStatus.CANCELLED, ChargeStatus.REFUNDED),
        downloading.pk: (JobStatus.FAILED, ChargeStatus.REFUNDED),
    }
    assert VideoJob.objects.get(pk=downloading.pk).error_code == "account_deleted"
    assert available(alice) == 300
    assert end_jobs_of(owner_id=alice.pk) == 0


def test_deleting_an_account_leaves_other_peoples_jobs_alone():
    alice, bob = person("alice", credits=100), person("bob", credits=100)
    [bobs] = held_jobs(bob, cost=100, status=JobStatus.IN_PROGRESS)
    held_jobs(alice, cost=100, status=JobStatus.IN_PROGRESS)

    delete_account(user=alice)

    assert VideoJob.objects.get(pk=bobs.pk).status == JobStatus.IN_PROGRESS
    assert available(bob) == 0
    assert available(alice) == 100
