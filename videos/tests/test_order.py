import threading

import pytest
from django.db import connection

from testing import api_for, available, entries_of, order, person
from videos.models import JobStatus, VideoJob

pytestmark = pytest.mark.django_db


def test_it_reserves_credits_and_submits_the_job(sora_provider):
    alice = person("alice", credits=200)
    response = order(api_for(alice), seconds=4, format="16:9")
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["status"] in ("queued", "in_progress")
    assert job["cost"] == 4 * 20
    assert job["charge_status"] == "pending"
    assert job["size"] == "1280x720" and job["format"] == "16:9"
    assert job["file_url"] is None and job["error"] is None
    assert available(alice) == 200 - 80
    [hold] = entries_of(alice, "hold")
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.hold_id == hold.id and hold.video_id == stored.id
    assert stored.provider_video_id.startswith("video_")


def test_it_prices_pro_and_pro_hd(sora_provider):
    alice = person("alice", credits=10_000)
    client = api_for(alice)
    pro = order(client, model="sora-2-pro", seconds=8, size="720x1280").json()
    hd = order(client, model="sora-2-pro", seconds=4, size="1792x1024").json()
    assert pro["cost"] == 8 * 60 and pro["format"] == "9:16"
    assert hd["cost"] == 4 * 100 and hd["format"] == "16:9"


def test_it_sends_the_style_but_stores_the_users_prompt(sora_provider):
    alice = person("alice", credits=200)
    job = order(api_for(alice), prompt="A red fox", style="80s").json()
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.prompt == "A red fox" and job["prompt"] == "A red fox"
    sent = sora_provider.retrieve(stored.provider_video_id)
    assert sent.id == stored.provider_video_id


def test_it_refuses_without_enough_credits_and_creates_nothing(sora_provider):
    bob = person("bob", credits=0)
    response = order(api_for(bob), seconds=4)
    assert response.status_code == 402
    assert response.json()["code"] == "insufficient_credits"
    assert not VideoJob.objects.exists()
    assert entries_of(bob, "hold") == []


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"format": "1:1"}, "format", "16:9"),
        ({"format": None, "size": "1024x1024"}, "size", "720x1280"),
        ({"seconds": 5}, "seconds", "4, 8 or 12"),
        ({"seconds": "eight"}, "seconds", "4, 8 or 12"),
        ({"format": None, "size": "1792x1024"}, "size", "sora-2-pro"),
        ({"model": "sora-3"}, "model", "sora-2"),
        ({"style": "noir"}, "style", "80s"),
        ({"prompt": ""}, "prompt", ""),
        ({"prompt": "x" * 32_001}, "prompt", "32000"),
    ],
)
def test_it_explains_what_is_wrong(sora_provider, body, field, words):
    alice = person("alice", credits=200)
    body = {key: value for key, value in body.items() if value is not None}
    response = order(api_for(alice), **body)
    assert response.status_code == 400
    assert words in " ".join(response.json()[field])
    assert available(alice) == 200
    assert not VideoJob.objects.exists()


def test_it_counts_the_style_in_the_prompt_limit(sora_provider):
    alice = person("alice", credits=200)
    prompt = "x" * 31_990
    response = order(api_for(alice), prompt=prompt, style="80s")
    assert response.status_code == 400
    assert "80s" in response.json()["prompt"][0]
    assert order(api_for(alice), prompt=prompt, style="none").status_code == 201


@pytest.mark.parametrize("junk", ["[1, 2]", '"text"', "{not json", "null"])
def test_it_answers_junk_with_a_4xx(sora_provider, junk):
    alice = person("alice", credits=200)
    response = api_for(alice).post("/videos", junk, content_type="application/json")
    assert response.status_code == 400
    assert available(alice) == 200


def test_a_replayed_idempotency_key_returns_the_first_job(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    first = order(client, idempotency_key="order-1")
    again = order(client, idempotency_key="order-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert VideoJob.objects.count() == 1
    assert available(alice) == 200 - 80


def test_a_reused_key_with_another_body_is_a_422(sora_provider):
    alice = person("alice", credits=500)
    client = api_for(alice)
    assert order(client, idempotency_key="order-1").status_code == 201
    response = order(client, idempotency_key="order-1", seconds=8)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert VideoJob.objects.count() == 1


def test_keys_belong_to_their_owner(sora_provider):
    alice = person("alice", credits=200)
    bob = person("bob", credits=200)
    first = order(api_for(alice), idempotency_key="same")
    second = order(api_for(bob), idempotency_key="same")
    assert first.json()["id"] != second.json()["id"]


def test_the_job_status_starts_queued_or_in_progress(sora_provider):
    alice = person("alice", credits=200)
    job = order(api_for(alice)).json()
    assert VideoJob.objects.get(pk=job["id"]).status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS)


@pytest.mark.django_db(transaction=True)
def test_a_retry_racing_the_first_request_gets_the_same_job(sora_provider):
    """The retry waits on the wallet lock while the first order spends every credit."""
    alice = person("alice", credits=80)
    barrier = threading.Barrier(2)
    answers = []

    def place():
        try:
            barrier.wait()
            response = order(api_for(alice), idempotency_key="only-once")
            answers.append((response.status_code, response.json().get("id")))
        finally:
            connection.close()

    threads = [threading.Thread(target=place) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    assert VideoJob.objects.count() == 1 and available(alice) == 0
