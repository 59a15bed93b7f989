"""POST /videos/{id}/cancel: before the download, the credits come back and the
provider's job is deleted; after, 409."""

import pytest

from sora_emulator.jobs import ApiError
from testing import (
    api_for,
    available,
    entries_of,
    finished_order,
    held_jobs,
    order,
    person,
    wait_until,
)
from videos.events import handle_video_event
from videos.models import JobStatus, VideoJob
from videos.services import lifecycle
from videos.services.polling import refresh_job

pytestmark = pytest.mark.django_db


def test_it_cancels_refunds_and_deletes_at_the_provider(
    sora_provider, sora_emulator, django_capture_on_commit_callbacks
):
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = order(client, prompt="Cancel me [emulator:slow]").json()
    assert available(alice) == 120
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/videos/{job['id']}/cancel")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["charge_status"]) == ("cancelled", "refunded")
    assert available(alice) == 200
    assert len(entries_of(alice, "release")) == 1 and entries_of(alice, "settle") == []
    stored = VideoJob.objects.get(pk=job["id"])
    with pytest.raises(ApiError):
        sora_emulator.server.store.get(stored.provider_video_id)


def test_cancelling_twice_is_a_409_and_refunds_once(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = order(client, prompt="Cancel me twice [emulator:slow]").json()
    assert client.post(f"/videos/{job['id']}/cancel").status_code == 200
    again = client.post(f"/videos/{job['id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "not_cancellable"
    assert len(entries_of(alice, "release")) == 1
    assert available(alice) == 200


def test_a_completed_video_cannot_be_cancelled(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = finished_order(client, prompt="Done before the cancel")
    response = client.post(f"/videos/{job['id']}/cancel")
    assert response.status_code == 409 and response.json()["code"] == "not_cancellable"
    assert VideoJob.objects.get(pk=job["id"]).charge_status == "settled"
    assert available(alice) == 120


@pytest.mark.parametrize("state", [JobStatus.DOWNLOADING, JobStatus.FAILED])
def test_a_downloading_or_failed_video_cannot_be_cancelled(state):
    alice = person("alice", credits=200)
    [job] = held_jobs(alice, cost=80)
    if state == JobStatus.FAILED:
        lifecycle.fail_job(job_id=job.pk, code="boom", message="broke")
    else:
        VideoJob.objects.filter(pk=job.pk).update(status=state)
    response = api_for(alice).post(f"/videos/{job.pk}/cancel")
    assert response.status_code == 409 and response.json()["code"] == "not_cancellable"
    assert len(entries_of(alice, "release")) == (1 if state == JobStatus.FAILED else 0)


def test_another_users_video_is_not_found():
    alice, bob = person("alice", credits=200), person("bob")
    [job] = held_jobs(alice, cost=80)
    assert api_for(bob).post(f"/videos/{job.pk}/cancel").status_code == 404
    assert VideoJob.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_a_provider_finishing_after_the_cancel_changes_nothing(
    sora_provider, sora_emulator, monkeypatch
):
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = order(client, prompt="Finishes anyway").json()
    stored = VideoJob.objects.get(pk=job["id"])
    # A gateway that does not relay DELETE: the provider goes on and finishes the video.
    monkeypatch.setattr(sora_provider, "delete", lambda provider_id: None)
    assert client.post(f"/videos/{job['id']}/cancel").status_code == 200
    wait_until(lambda: sora_provider.retrieve(stored.provider_video_id).status == "completed")
    handle_video_event(stored.endpoint_id, stored.provider_video_id, "video.completed")
    refresh_job(job_id=stored.pk, download_now=True)
    assert client.post(f"/videos/{job['id']}/pull").json()["status"] == "cancelled"
    stored.refresh_from_db()
    assert stored.status == JobStatus.CANCELLED and not stored.file
    assert entries_of(alice, "settle") == [] and available(alice) == 200


def test_cancelled_jobs_can_be_listed_by_status(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = order(client, prompt="Listed as cancelled [emulator:slow]").json()
    client.post(f"/videos/{job['id']}/cancel")
    listed = client.get("/videos", {"status": "cancelled"}).json()["results"]
    assert [item["id"] for item in listed] == [job["id"]]
