"""One Idempotency-Key, one answer: the same status and body for every request with it."""

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from testing import api_for, available, order, person
from videos.idempotency import request_fingerprint
from videos.models import Batch, IdempotencyRecord, VideoJob
from videos.provider.base import ProviderUnavailable
from videos.services import ordering
from wallet.services import grant_credits

pytestmark = pytest.mark.django_db


def order_batch(client, key, **body):
    body = {"prompt": "A paper boat on a river", "seconds": 4, "format": "16:9", **body}
    return client.post("/videos/batch", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_key_used_for_a_video_is_refused_for_a_batch(sora_provider):
    alice = person("alice", credits=1_000)
    client = api_for(alice)
    assert order(client, idempotency_key="k1").status_code == 201
    response = order_batch(client, "k1")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert not Batch.objects.exists() and VideoJob.objects.count() == 1
    assert available(alice) == 1_000 - 80


def test_a_key_used_for_a_batch_is_refused_for_a_video(sora_provider):
    alice = person("alice", credits=1_000)
    client = api_for(alice)
    assert order_batch(client, "k2", styles=["80s"]).status_code == 201
    response = order(client, prompt="A paper boat on a river", idempotency_key="k2")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert VideoJob.objects.count() == 1
    assert available(alice) == 1_000 - 80


def test_a_retry_gets_the_same_status_and_body(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    first = order(client, idempotency_key="k3")
    VideoJob.objects.update(progress=42)  # the job moves on; the answer stays the first one
    again = order(client, idempotency_key="k3")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Idempotent-Replayed"] == "true"


def test_a_rejection_stays_the_same_rejection(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    body = {"prompt": "Something [emulator:reject]", "idempotency_key": "k4"}
    first = order(client, **body)
    again = order(client, **body)
    assert first.status_code == again.status_code == 422
    assert first.json() == again.json() and first.json()["code"] == "provider_rejected"
    assert VideoJob.objects.count() == 1 and available(alice) == 200


def test_an_order_refused_for_credits_leaves_the_key_free(sora_provider):
    alice = person("alice", credits=0)
    client = api_for(alice)
    assert order(client, idempotency_key="k5").status_code == 402
    grant_credits(user=alice, amount=80, reason="top-up")
    assert order(client, idempotency_key="k5").status_code == 201
    assert available(alice) == 0


def test_a_key_whose_first_request_died_is_taken_over(sora_provider):
    alice = person("alice", credits=200)
    body = {"prompt": "A lighthouse at dawn", "seconds": 4, "format": "16:9"}
    IdempotencyRecord.objects.create(
        owner=alice,
        key="k6",
        fingerprint=request_fingerprint(operation="order_video", body=body),
        locked_until=timezone.now() - timedelta(seconds=1),
    )
    response = api_for(alice).post("/videos", body, format="json", HTTP_IDEMPOTENCY_KEY="k6")
    assert response.status_code == 201
    assert IdempotencyRecord.objects.get().status_code == 201


class HeldProvider:
    """Holds every create at the provider until released, so a retry arrives mid-order."""

    def __init__(self, monkeypatch, provider, *, outage: bool = False):
        self.entered = threading.Event()
        self.release = threading.Event()
        original = type(provider).create

        def create(this, *args, **kwargs):
            self.entered.set()
            assert self.release.wait(30)
            if outage:
                raise ProviderUnavailable("provider down (held)")
            return original(this, *args, **kwargs)

        monkeypatch.setattr(type(provider), "create", create)


def _in_thread(user, key, answers):
    def place():
        try:
            response = order(api_for(user), idempotency_key=key)
            answers.append((response.status_code, response.json(), response.headers))
        finally:
            connection.close()

    thread = threading.Thread(target=place)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("outage", [False, True])
def test_a_concurrent_retry_waits_for_the_first_answer(sora_provider, monkeypatch, outage):
    alice = person("alice", credits=200)
    held = HeldProvider(monkeypatch, sora_provider, outage=outage)
    answers = []
    first = _in_thread(alice, "k7", answers)
    assert held.entered.wait(10)
    retry = _in_thread(alice, "k7", answers)
    retry.join(0.5)
    assert retry.is_alive()  # waiting for the first request, not answering on its own
    held.release.set()
    first.join()
    retry.join()
    later = order(api_for(alice), idempotency_key="k7")
    expected = 503 if outage else 201
    assert [status for status, _, _ in answers] == [expected, expected]
    assert answers[0][1] == answers[1][1] == later.json() and later.status_code == expected
    assert VideoJob.objects.count() == 1
    assert available(alice) == (200 if outage else 120)


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_retry_that_cannot_wait_gets_a_409(sora_provider, monkeypatch, settings):
    settings.IDEMPOTENCY_WAIT_SECONDS = 0
    alice = person("alice", credits=200)
    held = HeldProvider(monkeypatch, sora_provider)
    answers = []
    first = _in_thread(alice, "k8", answers)
    assert held.entered.wait(10)
    retry = _in_thread(alice, "k8", answers)
    retry.join()
    held.release.set()
    first.join()
    [(status, body, headers), (first_status, first_body, _)] = answers
    assert status == 409 and body["code"] == "idempotency_key_in_use"
    assert int(headers["Retry-After"]) >= 1
    later = order(api_for(alice), idempotency_key="k8")
    assert (later.status_code, later.json()) == (first_status, first_body) == (201, first_body)
    assert VideoJob.objects.count() == 1 and available(alice) == 120


def _lost_connection_once(monkeypatch, name):
    """The database connection is lost the first time `ordering.<name>` runs: the job or
    batch is stored, the provider not asked yet. The API runs such a request once more."""
    real = getattr(ordering, name)
    lost = []

    def flaky(*args, **kwargs):
        if not lost:
            lost.append(name)
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(ordering, name, flaky)
    return lost


@pytest.mark.django_db(transaction=True)
def test_an_order_stored_but_never_sent_is_sent_by_its_retry(sora_provider, monkeypatch):
    alice = person("alice", credits=200)
    lost = _lost_connection_once(monkeypatch, "submit_job")
    response = order(api_for(alice), prompt="A boat never sent", idempotency_key="k9")
    assert lost and response.status_code == 201, response.json()
    job = VideoJob.objects.get()
    assert job.provider_video_id and response.json()["id"] == str(job.id)
    assert sora_provider.retrieve(job.provider_video_id).id == job.provider_video_id
    assert available(alice) == 200 - 80


@pytest.mark.django_db(transaction=True)
def test_a_batch_stored_but_never_sent_is_sent_by_its_retry(sora_provider, monkeypatch):
    alice = person("alice", credits=1_000)
    lost = _lost_connection_once(monkeypatch, "_submit_together")
    response = order_batch(api_for(alice), "k10", styles=["80s", "none"])
    assert lost and response.status_code == 201, response.json()
    jobs = VideoJob.objects.all()
    assert len(jobs) == 2 and all(job.provider_video_id for job in jobs)
    assert {job["status"] for job in response.json()["jobs"]} <= {"queued", "in_progress"}
    assert available(alice) == 1_000 - 160
