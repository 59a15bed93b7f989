"""POST /videos/{id}/remix: a new video from a completed one through the provider's
remix endpoint, with the source's model, length, size and price."""

import pytest

from catalog.models import CatalogModel, CatalogSize
from catalog.styles import provider_prompt
from testing import (
    api_for,
    available,
    entries_of,
    finished_order,
    order,
    person,
    pull_until_finished,
)
from videos.models import JobStatus, VideoJob

pytestmark = pytest.mark.django_db


def remix(client, source_id, key=None, **body):
    body.setdefault("prompt", "Now in winter")
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/videos/{source_id}/remix", body, format="json", **headers)


def test_it_remixes_a_completed_video_at_the_provider(sora_provider, sora_emulator):
    alice = person("alice", credits=600)
    client = api_for(alice)
    source = finished_order(client, prompt="A harbour in summer", model="sora-2-pro", seconds=4)
    response = remix(client, source["id"], prompt="The harbour in winter", style="80s")
    assert response.status_code == 201
    job = response.json()
    assert job["remixed_from"] == source["id"]
    for field in ("model", "seconds", "size", "format", "cost"):
        assert job[field] == source[field], field
    assert (job["prompt"], job["style"]) == ("The harbour in winter", "80s")
    assert available(alice) == 600 - 2 * source["cost"]

    stored, origin = VideoJob.objects.get(pk=job["id"]), VideoJob.objects.get(pk=source["id"])
    at_provider = sora_emulator.server.store.get(stored.provider_video_id)
    assert at_provider.remixed_from_video_id == origin.provider_video_id
    assert at_provider.received.prompt == provider_prompt("The harbour in winter", "80s")

    finished = pull_until_finished(client, job["id"])
    assert finished["status"] == "completed" and finished["charge_status"] == "settled"
    assert len(entries_of(alice, "settle")) == 2


def test_a_remix_costs_what_the_source_cost_whatever_the_catalog_says_now(sora_provider):
    alice = person("alice", credits=400)
    client = api_for(alice)
    source = finished_order(client, prompt="Priced before the change")
    CatalogSize.objects.filter(model__model_id="sora-2").update(credits_per_second=50)
    job = remix(client, source["id"]).json()
    assert job["cost"] == source["cost"] == 80


def test_an_unfinished_video_cannot_be_remixed(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    source = order(client, prompt="Still rendering [emulator:slow]").json()
    response = remix(client, source["id"])
    assert response.status_code == 409 and response.json()["code"] == "not_ready"
    assert VideoJob.objects.filter(remixed_from_id=source["id"]).count() == 0
    assert available(alice) == 120


def test_a_model_that_cannot_remix_is_a_400(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    source = finished_order(client, prompt="No remix for this model")
    CatalogModel.objects.filter(model_id="sora-2").update(can_remix=False)
    response = remix(client, source["id"])
    assert response.status_code == 400 and response.json()["code"] == "remix_not_supported"
    assert available(alice) == 120


def test_a_source_gone_at_the_provider_fails_and_refunds(sora_provider, sora_emulator):
    alice = person("alice", credits=200)
    client = api_for(alice)
    source = finished_order(client, prompt="Expired upstream")
    sora_emulator.server.store.delete(VideoJob.objects.get(pk=source["id"]).provider_video_id)
    response = remix(client, source["id"])
    assert response.status_code == 422 and response.json()["code"] == "provider_rejected"
    failed = VideoJob.objects.get(remixed_from_id=source["id"])
    assert failed.status == JobStatus.FAILED and failed.error_code == "source_expired"
    assert failed.charge_status == "refunded" and available(alice) == 120
    assert len(entries_of(alice, "release")) == 1


def test_a_retried_remix_with_its_key_is_charged_once(sora_provider):
    alice = person("alice", credits=400)
    client = api_for(alice)
    source = finished_order(client, prompt="Retry me")
    first = remix(client, source["id"], key="remix-1")
    again = remix(client, source["id"], key="remix-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert available(alice) == 400 - 80 - 80
    other = remix(client, source["id"], key="remix-1", prompt="Something else")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_a_key_used_for_an_order_is_not_reused_for_a_remix(sora_provider):
    alice = person("alice", credits=400)
    client = api_for(alice)
    source = finished_order(client, prompt="Keyed order", idempotency_key="k-1")
    response = remix(client, source["id"], key="k-1", prompt="Keyed order")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"


def test_another_users_video_is_not_found(sora_provider):
    alice, bob = person("alice", credits=200), person("bob", credits=200)
    source = finished_order(api_for(alice), prompt="Alice's own")
    assert remix(api_for(bob), source["id"]).status_code == 404
    assert available(bob) == 200


def test_a_bad_style_or_empty_prompt_is_a_400(sora_provider):
    client = api_for(person("alice", credits=200))
    source = finished_order(client, prompt="Validated remix")
    assert remix(client, source["id"], style="sepia").status_code == 400
    assert remix(client, source["id"], prompt="").status_code == 400


def test_a_remix_prompt_is_held_to_its_models_limit(sora_provider):
    alice = person("alice", credits=400)
    client = api_for(alice)
    source = finished_order(client, prompt="A short one")
    CatalogModel.objects.filter(model_id="sora-2").update(max_prompt_length=40)
    response = remix(client, source["id"], prompt="A prompt that is far longer than forty")
    assert response.status_code == 400
    [message] = response.json()["prompt"]
    assert message.endswith("sora-2 takes at most 40.")
    assert VideoJob.objects.filter(remixed_from_id=source["id"]).count() == 0
