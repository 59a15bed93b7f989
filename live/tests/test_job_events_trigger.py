"""The database itself records a job event in the transaction of each visible change."""

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from live.broker import _connection_params
from live.models import JobEvent
from live.triggers import ensure_triggers
from testing import held_jobs, person
from videos.models import VideoJob
from videos.services.lifecycle import fail_job

pytestmark = pytest.mark.django_db


def events_of(job) -> list[JobEvent]:
    return list(JobEvent.objects.filter(job_id=job.id).order_by("id"))


def test_a_new_job_records_an_event_for_its_owner():
    ann = person("ann")
    (job,) = held_jobs(ann)
    (event,) = events_of(job)
    assert event.owner_id == ann.pk
    assert abs((timezone.now() - event.created_at).total_seconds()) < 60


def test_a_status_or_progress_change_records_an_event():
    (job,) = held_jobs(person("ann"))
    VideoJob.objects.filter(pk=job.pk).update(status="in_progress", progress=10)
    VideoJob.objects.filter(pk=job.pk).update(progress=55)
    assert len(events_of(job)) == 3


def test_bookkeeping_changes_record_no_event():
    (job,) = held_jobs(person("ann"))
    VideoJob.objects.filter(pk=job.pk).update(
        next_poll_at=timezone.now(), poll_count=3, last_polled_at=timezone.now()
    )
    assert len(events_of(job)) == 1


def test_failing_through_the_lifecycle_records_an_event():
    (job,) = held_jobs(person("ann"))
    fail_job(job_id=job.id, code="boom", message="It broke.")
    assert len(events_of(job)) == 2


def test_a_rolled_back_change_leaves_no_event():
    (job,) = held_jobs(person("ann"))
    with pytest.raises(RuntimeError), transaction.atomic():
        VideoJob.objects.filter(pk=job.pk).update(status="in_progress")
        raise RuntimeError("changed my mind")
    assert len(events_of(job)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_change_notifies_the_channel_when_it_commits():
    (job,) = held_jobs(person("ann"))
    with psycopg.connect(**_connection_params(), autocommit=True) as listener:
        listener.execute("LISTEN job_events")
        with transaction.atomic():
            VideoJob.objects.filter(pk=job.pk).update(status="in_progress")
            assert list(listener.notifies(timeout=0.3, stop_after=1)) == []
        (notification,) = list(listener.notifies(timeout=5, stop_after=1))
    assert notification.payload == f"{events_of(job)[-1].id} {job.owner_id}"


def test_the_trigger_is_put_back_when_missing():
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER videos_videojob_job_events ON videos_videojob")
    ensure_triggers()
    (job,) = held_jobs(person("ann"))
    assert len(events_of(job)) == 1
