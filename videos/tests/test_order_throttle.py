"""Ordering is limited per user (ORDER_THROTTLE_RATE), across /videos and /videos/batch."""

import pytest
from rest_framework.throttling import ScopedRateThrottle

from testing import api_for, available, order, person
from videos.models import VideoJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_orders_a_minute(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"order": "3/minute"})


def test_it_answers_429_with_retry_after_past_the_rate(sora_provider, three_orders_a_minute):
    alice = person("alice", credits=1_000)
    client = api_for(alice)
    assert [order(client).status_code for _ in range(3)] == [201] * 3
    refused = order(client)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert VideoJob.objects.count() == 3 and available(alice) == 1_000 - 3 * 80


def test_batches_count_toward_the_same_rate(sora_provider, three_orders_a_minute):
    alice = person("alice", credits=1_000)
    client = api_for(alice)
    for _ in range(3):
        assert order(client).status_code == 201
    body = {"prompt": "A kite", "seconds": 4, "format": "16:9", "styles": ["none"]}
    assert client.post("/videos/batch", body, format="json").status_code == 429


def test_the_rate_is_per_user_and_leaves_reading_alone(sora_provider, three_orders_a_minute):
    alice = person("alice", credits=1_000)
    bob = person("bob", credits=1_000)
    client = api_for(alice)
    for _ in range(4):
        order(client)
    assert client.get("/videos").status_code == 200
    assert order(api_for(bob)).status_code == 201


def test_a_form_batch_counts_each_of_its_styles(sora_provider, three_orders_a_minute):
    # A form sends each style as a field of its own: two of them are two jobs.
    alice = person("alice", credits=1_000)
    client = api_for(alice)
    assert order(client).status_code == 201
    form = {"prompt": "A kite", "seconds": 4, "format": "16:9", "styles": ["80s", "none"]}
    assert client.post("/videos/batch", form, format="multipart").status_code == 201
    assert (
        client.post("/videos/batch", {**form, "styles": ["none"]}, format="multipart").status_code
        == 429
    )
    assert VideoJob.objects.count() == 3
