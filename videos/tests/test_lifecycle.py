"""A job from order to money: completed and settled, or failed and refunded exactly once."""

from datetime import timedelta
from pathlib import Path

import av
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from testing import api_for, available, entries_of, order, person, pull_until_finished, wait_until
from videos.models import JobStatus, VideoJob
from videos.services import ordering
from videos.services.polling import sweep

pytestmark = pytest.mark.django_db


def kinds(user):
    return [entry.kind for entry in entries_of(user) if entry.kind != "welcome"]


def test_a_job_completes_is_stored_served_and_settled(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = order(client, seconds=4, format="9:16").json()

    done = pull_until_finished(client, job["id"])

    assert done["status"] == "completed" and done["charge_status"] == "settled"
    assert done["progress"] == 100 and done["completed_at"]
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.file.name == f"videos/{alice.id}/{stored.id}.mp4"
    assert default_storage.exists(stored.file.name)
    with default_storage.open(stored.file.name) as handle, av.open(handle) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (720, 1280)
        assert abs(float(container.duration / av.time_base) - 4) < 0.5
    assert kinds(alice) == ["hold", "settle"]
    assert available(alice) == 200 - 80
    assert done["file_url"]


def test_the_poller_completes_jobs_on_its_own(sora_provider, django_capture_on_commit_callbacks):
    alice = person("alice", credits=200)
    job = order(api_for(alice)).json()
    VideoJob.objects.filter(pk=job["id"]).update(next_poll_at=timezone.now())

    def swept_to_completion():
        VideoJob.objects.filter(pk=job["id"], status__in=["queued", "in_progress"]).update(
            next_poll_at=timezone.now()
        )
        with django_capture_on_commit_callbacks(execute=True):
            sweep()
        return VideoJob.objects.get(pk=job["id"]).status == JobStatus.COMPLETED

    wait_until(swept_to_completion)
    assert kinds(alice) == ["hold", "settle"]


def test_a_rejected_prompt_is_refunded_at_once(sora_provider):
    alice = person("alice", credits=200)
    response = order(api_for(alice), prompt="[emulator:reject] something forbidden")
    assert response.status_code == 422
    assert response.json()["code"] == "provider_rejected"
    job = VideoJob.objects.get()
    assert job.status == JobStatus.FAILED and job.charge_status == "refunded"
    assert job.error_code == "moderation_blocked"
    assert kinds(alice) == ["hold", "release"]
    assert available(alice) == 200


@pytest.mark.parametrize("marker", ["[emulator:429]", "[emulator:500]"])
def test_a_transient_provider_error_is_retried_and_charged_once(sora_provider, marker):
    alice = person("alice", credits=200)
    client = api_for(alice)
    response = order(client, prompt=f"{marker} a calm sea")
    assert response.status_code == 201, response.json()
    done = pull_until_finished(client, response.json()["id"])
    assert done["status"] == "completed"
    assert kinds(alice) == ["hold", "settle"]


def test_a_job_failing_part_way_is_refunded_once(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = order(client, prompt="[emulator:fail] a storm").json()
    done = pull_until_finished(client, job["id"])
    assert done["status"] == "failed" and done["charge_status"] == "refunded"
    assert done["error"]["code"] == "generation_failed"
    client.post(f"/videos/{job['id']}/pull")
    assert kinds(alice) == ["hold", "release"]
    assert available(alice) == 200


def test_expired_content_is_refunded(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = order(client, prompt="[emulator:expire] old news").json()
    done = pull_until_finished(client, job["id"])
    assert done["status"] == "failed" and done["error"]["code"] == "expired"
    assert kinds(alice) == ["hold", "release"]


def test_a_job_past_the_timeout_fails_and_is_refunded(sora_provider, settings):
    settings.JOB_TIMEOUT_MINUTES = 5
    alice = person("alice", credits=200)
    job = order(api_for(alice), prompt="[emulator:slow] a glacier").json()
    VideoJob.objects.filter(pk=job["id"]).update(
        created_at=timezone.now() - timedelta(minutes=6), next_poll_at=timezone.now()
    )
    sweep()
    sweep()
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.status == JobStatus.FAILED and stored.error_code == "timeout"
    assert kinds(alice) == ["hold", "release"]


def broken_storage_for(owner) -> Path:
    """A file where the owner's video folder goes: storing a video there fails with an
    OSError, as on a full or broken disk. Remove it to mend the storage."""
    blocker = Path(default_storage.path(f"videos/{owner.pk}"))
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder")
    return blocker


def test_a_storage_error_is_retried_then_settles_once(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    broken = broken_storage_for(alice)
    job = order(client).json()

    def downloading():
        return client.post(f"/videos/{job['id']}/pull").json()["status"] == "downloading"

    wait_until(downloading)
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.download_attempts == 1 and stored.charge_status == "pending"

    broken.unlink()
    VideoJob.objects.filter(pk=job["id"]).update(next_poll_at=timezone.now())
    sweep(download_now=True)

    stored.refresh_from_db()
    assert stored.status == JobStatus.COMPLETED and stored.download_attempts == 2
    assert kinds(alice) == ["hold", "settle"]


def test_repeated_storage_errors_fail_and_refund(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    broken = broken_storage_for(alice)
    job = order(client).json()

    def failed():
        VideoJob.objects.filter(pk=job["id"]).update(next_poll_at=timezone.now())
        return client.post(f"/videos/{job['id']}/pull").json()["status"] == "failed"

    wait_until(failed)
    broken.unlink()
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.error_code == "download_failed" and stored.download_attempts == 5
    assert kinds(alice) == ["hold", "release"]


def test_a_job_the_provider_never_got_is_refunded_by_the_sweeper(sora_provider, monkeypatch):
    alice = person("alice", credits=200)
    # The web process dies between reserving the credits and calling the provider.
    monkeypatch.setattr(ordering, "submit_job", lambda **kwargs: VideoJob.objects.get())
    job = order(api_for(alice)).json()
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.provider_video_id is None and stored.next_poll_at > timezone.now()

    sweep()
    assert VideoJob.objects.get(pk=job["id"]).status == JobStatus.QUEUED

    VideoJob.objects.filter(pk=job["id"]).update(
        created_at=timezone.now() - timedelta(minutes=6), next_poll_at=timezone.now()
    )
    sweep()
    stored.refresh_from_db()
    assert stored.status == JobStatus.FAILED and stored.error_code == "submission_failed"
    assert kinds(alice) == ["hold", "release"]
