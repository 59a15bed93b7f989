"""At most MAX_JOBS_IN_FLIGHT unfinished jobs per user (a batch counts its jobs), refused
before any credit moves; ORDER_THROTTLE_RATE counts jobs, not requests."""

import threading

import pytest
from django.db import connection
from rest_framework.throttling import ScopedRateThrottle

from testing import api_for, available, entries_of, held_jobs, order, person
from videos.models import JobStatus, VideoJob

pytestmark = pytest.mark.django_db

BATCH = {"prompt": "A kite over the dunes", "seconds": 4, "format": "16:9"}


@pytest.fixture
def limit(settings):
    settings.MAX_JOBS_IN_FLIGHT = 10
    return 10


def test_the_eleventh_unfinished_job_is_refused_and_nothing_moves(sora_provider, limit):
    alice = person("alice", credits=5_000)
    client = api_for(alice)
    assert [order(client, prompt=f"Shot {n}").status_code for n in range(10)] == [201] * 10
    credits, entries = available(alice), len(entries_of(alice))

    refused = order(client, prompt="One too many")
    assert refused.status_code == 429, refused.json()
    assert refused.json()["code"] == "too_many_jobs"
    assert "At most 10 videos may be unfinished at once; 10 are" in refused.json()["detail"]
    assert VideoJob.objects.filter(owner=alice).count() == 10
    assert (available(alice), len(entries_of(alice))) == (credits, entries)


def test_a_batch_counts_its_jobs(sora_provider, limit):
    alice = person("alice", credits=5_000)
    client = api_for(alice)
    held_jobs(alice, 6)
    credits = available(alice)
    refused = client.post("/videos/batch", BATCH, format="json")  # five styles
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_jobs"
    assert "these 5 videos" in refused.json()["detail"]
    assert available(alice) == credits and VideoJob.objects.filter(owner=alice).count() == 6
    four = client.post(
        "/videos/batch", {**BATCH, "styles": ["default", "80s", "bleach", "modern"]}, format="json"
    )
    assert four.status_code == 201, four.json()
    assert order(client, prompt="Eleventh").json()["code"] == "too_many_jobs"


def test_finished_jobs_and_other_users_leave_room(sora_provider, limit):
    alice = person("alice", credits=5_000)
    jobs = held_jobs(alice, 10)
    assert order(api_for(person("bob", credits=500))).status_code == 201
    assert order(api_for(alice)).json()["code"] == "too_many_jobs"
    VideoJob.objects.filter(pk=jobs[0].pk).update(status=JobStatus.COMPLETED)
    VideoJob.objects.filter(pk=jobs[1].pk).update(status=JobStatus.FAILED)
    assert order(api_for(alice), prompt="Room again").status_code == 201


def test_cancel_makes_room_and_stays_a_full_refund(sora_provider, limit):
    alice = person("alice", credits=5_000)
    client = api_for(alice)
    jobs = [order(client, prompt=f"Cancel me {n}").json() for n in range(10)]
    before = available(alice) + sum(job["cost"] for job in jobs)
    assert order(client, prompt="Blocked").status_code == 429
    for job in jobs:
        assert client.post(f"/videos/{job['id']}/cancel").status_code == 200
    assert available(alice) == before
    assert order(client, prompt="After cancelling").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_cannot_exceed_the_limit(sora_provider, limit):
    alice = person("alice", credits=5_000)
    held_jobs(alice, 7)
    start = threading.Barrier(8)
    statuses, errors = [], []

    def racer(n):
        try:
            start.wait()
            body = {**BATCH, "styles": ["none"]} if n % 2 else None
            response = (
                api_for(alice).post("/videos/batch", body, format="json")
                if body
                else order(api_for(alice), prompt=f"Racer {n}")
            )
            statuses.append(response.status_code)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(statuses) == [201] * 3 + [429] * 5
    unfinished = VideoJob.objects.filter(owner=alice, status__in=["queued", "in_progress"])
    assert unfinished.count() == 10


def test_the_order_rate_counts_jobs_not_requests(sora_provider, monkeypatch, limit):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"order": "7/minute"})
    alice = person("alice", credits=5_000)
    client = api_for(alice)
    assert client.post("/videos/batch", BATCH, format="json").status_code == 201  # 5 jobs
    refused = client.post(
        "/videos/batch", {**BATCH, "styles": ["default", "80s", "bleach"]}, format="json"
    )
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert [order(client, prompt=f"Single {n}").status_code for n in range(3)] == [201, 201, 429]
    assert VideoJob.objects.filter(owner=alice).count() == 7


def test_a_refused_order_keeps_no_answer_for_its_idempotency_key(sora_provider, limit):
    alice = person("alice", credits=5_000)
    jobs = held_jobs(alice, 10)
    client = api_for(alice)
    assert order(client, idempotency_key="k-1").json()["code"] == "too_many_jobs"
    VideoJob.objects.filter(pk=jobs[0].pk).update(status=JobStatus.COMPLETED)
    again = order(client, idempotency_key="k-1")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
