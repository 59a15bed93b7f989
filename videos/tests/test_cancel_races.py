"""A cancel racing the completion webhook, the poller and pulls, each on its own
database connection: the hold resolves exactly once, whoever wins."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from testing import api_for, entries_of, order, person, wait_until
from videos.events import handle_video_event
from videos.exceptions import NotCancellable
from videos.models import JobStatus, VideoJob
from videos.services import lifecycle
from videos.services.polling import refresh_job, sweep


def _race(actions) -> list[Exception]:
    start = threading.Barrier(len(actions))
    errors = []

    def racer(action):
        try:
            start.wait()
            action()
        except NotCancellable:
            pass  # the other side got there first: an honest 409
        except Exception as error:  # pragma: no cover - reported by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _assert_resolved_once(owner, job: VideoJob) -> None:
    job.refresh_from_db()
    settles, releases = entries_of(owner, "settle"), entries_of(owner, "release")
    assert len(settles) + len(releases) == 1
    if job.status == JobStatus.CANCELLED:
        assert job.charge_status == "refunded" and releases and not job.file
    else:
        assert job.status == JobStatus.COMPLETED, job.status
        assert job.charge_status == "settled" and settles and job.file


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_a_cancel_racing_a_finished_job_resolves_the_hold_once(sora_provider, round_):
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(pk=order(api_for(alice), prompt=f"Race {round_}").json()["id"])
    wait_until(lambda: sora_provider.retrieve(job.provider_video_id).status == "completed")
    VideoJob.objects.filter(pk=job.pk).update(next_poll_at=timezone.now())

    errors = _race(
        [
            lambda: lifecycle.cancel_job(job_id=job.pk),
            lambda: handle_video_event(job.endpoint_id, job.provider_video_id, "video.completed"),
            lambda: sweep(download_now=True),
            lambda: refresh_job(job_id=job.pk, download_now=True),
            lambda: lifecycle.cancel_job(job_id=job.pk),
        ]
    )
    assert errors == []
    _assert_resolved_once(alice, job)


@pytest.mark.django_db(transaction=True)
def test_a_cancel_racing_polls_of_an_unfinished_job_wins_once(sora_provider, sora_emulator):
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(
        pk=order(api_for(alice), prompt="Still rendering [emulator:slow]").json()["id"]
    )
    errors = _race(
        [lambda: lifecycle.cancel_job(job_id=job.pk)] * 3
        + [lambda: refresh_job(job_id=job.pk, download_now=True)] * 3
    )
    assert errors == []
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert len(entries_of(alice, "release")) == 1 and entries_of(alice, "settle") == []
    # Committed for real here, so the provider's job was deleted after the cancel.
    assert job.provider_video_id not in {
        video.id
        for video in sora_emulator.server.store.page(after=None, limit=100, order="desc")[0]
    }
