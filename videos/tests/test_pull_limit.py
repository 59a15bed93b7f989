"""POST /videos/{id}/pull asks the provider at most once per job every few seconds."""

import threading
import time

import pytest
from django.db import connection

from testing import api_for, order, person
from videos.models import VideoJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_calls(sora_provider, monkeypatch):
    """Every retrieve this process sends to the provider, by video id."""
    calls = []
    original = type(sora_provider).retrieve

    def retrieve(this, video_id):
        calls.append(video_id)
        return original(this, video_id)

    monkeypatch.setattr(type(sora_provider), "retrieve", retrieve)
    return calls


def test_a_burst_of_pulls_makes_one_provider_call(provider_calls, settings):
    settings.PULL_MIN_INTERVAL_SECONDS = 60
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = order(client, prompt="A burst of pulls").json()
    answers = [client.post(f"/videos/{job['id']}/pull") for _ in range(40)]
    assert {answer.status_code for answer in answers} == {200}
    assert {answer.json()["id"] for answer in answers} == {job["id"]}
    assert len(provider_calls) == 1


def test_the_provider_is_asked_again_once_the_interval_passed(provider_calls, settings):
    settings.PULL_MIN_INTERVAL_SECONDS = 1
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = order(client, prompt="Pulled twice, a second apart").json()
    client.post(f"/videos/{job['id']}/pull")
    client.post(f"/videos/{job['id']}/pull")
    assert len(provider_calls) == 1
    time.sleep(2.1)  # the database cache keeps expiry times to the whole second
    client.post(f"/videos/{job['id']}/pull")
    assert len(provider_calls) == 2


def test_each_job_has_its_own_interval(provider_calls, settings):
    settings.PULL_MIN_INTERVAL_SECONDS = 60
    alice = person("alice", credits=200)
    client = api_for(alice)
    first = order(client, prompt="The first of two").json()
    second = order(client, prompt="The second of two").json()
    for job in (first, second, first, second):
        client.post(f"/videos/{job['id']}/pull")
    stored = VideoJob.objects.in_bulk([first["id"], second["id"]])
    assert sorted(provider_calls) == sorted(job.provider_video_id for job in stored.values())


@pytest.mark.django_db(transaction=True)
def test_concurrent_pulls_make_one_provider_call(provider_calls, settings):
    settings.PULL_MIN_INTERVAL_SECONDS = 60
    alice = person("alice", credits=200)
    job = order(api_for(alice), prompt="Forty pulls at once").json()
    barrier = threading.Barrier(40)
    statuses = []

    def pull():
        try:
            client = api_for(alice)
            barrier.wait()
            statuses.append(client.post(f"/videos/{job['id']}/pull").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=pull) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 40
    assert len(provider_calls) == 1
