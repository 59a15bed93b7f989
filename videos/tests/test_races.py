"""The poller, pulls and duplicate webhooks racing on one finished job."""

import threading

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from testing import api_for, entries_of, order, person, wait_until
from videos.events import handle_video_event
from videos.models import JobStatus, VideoJob
from videos.services import lifecycle
from videos.services.polling import refresh_job, sweep
from videos.tests.helpers import provider_video


@pytest.mark.django_db(transaction=True)
def test_one_download_and_one_settle_whoever_asks(sora_provider, monkeypatch):
    alice = person("alice", credits=200)
    job = order(api_for(alice)).json()
    stored = VideoJob.objects.get(pk=job["id"])
    wait_until(lambda: sora_provider.retrieve(stored.provider_video_id).status == "completed")
    VideoJob.objects.filter(pk=stored.pk).update(next_poll_at=timezone.now())

    downloads = []  # the MP4 fetched from the provider (not its poster)
    real_stream = type(sora_provider).stream_content

    def counting_stream(this, provider_id, variant="video"):
        if variant == "video":
            downloads.append(provider_id)
        return real_stream(this, provider_id, variant)

    monkeypatch.setattr(type(sora_provider), "stream_content", counting_stream)
    start = threading.Barrier(8)
    errors = []

    def racer(action):
        try:
            start.wait()
            action()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    actions = [lambda: refresh_job(job_id=stored.pk, download_now=True) for _ in range(5)]
    actions.append(lambda: sweep(download_now=True))
    actions += [
        lambda: handle_video_event(stored.endpoint_id, stored.provider_video_id, "video.completed")
    ] * 2
    threads = [threading.Thread(target=racer, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    stored.refresh_from_db()
    assert stored.status == JobStatus.COMPLETED and stored.charge_status == "settled"
    assert downloads == [stored.provider_video_id]
    assert default_storage.exists(stored.file.name)
    assert len(entries_of(alice, "settle")) == 1
    assert entries_of(alice, "release") == []


@pytest.mark.django_db
def test_a_late_provider_answer_does_not_undo_a_refund(sora_provider):
    alice = person("alice", credits=200)
    job = order(api_for(alice)).json()
    lifecycle.fail_job(job_id=job["id"], code="cancelled_by_support", message="stuck")
    done = provider_video(status="completed", progress=100)
    _, ready = lifecycle.apply_provider_state(job_id=job["id"], video=done)
    assert ready is False
    assert VideoJob.objects.get(pk=job["id"]).status == JobStatus.FAILED
    assert len(entries_of(alice, "release")) == 1 and entries_of(alice, "settle") == []
