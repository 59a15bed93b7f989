"""Orders are validated and priced by the catalog, and jobs keep where they were sent."""

import pytest
from django.core.management import call_command

from catalog import services
from catalog.endpoints import connection_of
from catalog.models import CatalogModel, ProviderEndpoint
from testing import (
    api_for,
    available,
    entries_of,
    finished_order,
    held_jobs,
    order,
    person,
    pull_until_finished,
)
from videos.models import VideoJob

pytestmark = pytest.mark.django_db


def test_a_model_added_by_command_is_ordered_at_its_own_price(sora_provider):
    call_command(
        "catalog_model",
        "sora-2-lite",
        "--name=Sora 2 Lite",
        "--upstream=sora-2",
        "--durations=4,8",
        "--size=720x1280=3",
        "--size=1280x720=5",
    )
    alice = person("alice", credits=200)
    job = finished_order(api_for(alice), model="sora-2-lite", seconds=8, format="16:9")
    assert (job["model"], job["size"], job["cost"]) == ("sora-2-lite", "1280x720", 40)
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.upstream_model == "sora-2"
    assert sora_provider.retrieve(stored.provider_video_id).model == "sora-2"
    assert [entry.amount for entry in entries_of(alice, "hold")] == [-40]
    assert available(alice) == 160


def test_the_price_is_fixed_when_ordered(sora_provider):
    alice = person("alice", credits=300)
    client = api_for(alice)
    job_id = order(client, seconds=4).json()["id"]
    services.put_model(
        model_id="sora-2",
        sizes=[services.SizePrice("1280x720", 45), services.SizePrice("720x1280", 45)],
    )
    job = pull_until_finished(client, job_id)
    assert (job["status"], job["cost"], job["charge_status"]) == ("completed", 80, "settled")
    assert available(alice) == 220
    assert order(client, seconds=4).json()["cost"] == 180


def test_a_disabled_model_refuses_orders_and_its_jobs_in_flight_finish(sora_provider):
    alice = person("alice", credits=500)
    client = api_for(alice)
    job_id = order(client, model="sora-2-pro", seconds=4).json()["id"]
    CatalogModel.objects.filter(model_id="sora-2-pro").update(enabled=False)

    refused = order(client, model="sora-2-pro", seconds=4)
    assert refused.status_code == 400
    assert refused.json()["model"] == [
        '"sora-2-pro" is not a model you can order. Available: sora-2.'
    ]
    assert pull_until_finished(client, job_id)["status"] == "completed"
    assert available(alice) == 500 - 240


def test_a_job_stays_with_the_endpoint_it_was_sent_to(sora_provider, monkeypatch):
    """Moving a model to another endpoint sends new orders there; jobs in flight are still
    polled and downloaded where they were created."""
    alice = person("alice", credits=500)
    client = api_for(alice)
    job_id = order(client, seconds=4).json()["id"]
    monkeypatch.setenv("NOWHERE_KEY", "sk-nowhere")
    services.put_endpoint(
        name="nowhere",
        base_url="http://127.0.0.1:9/v1",
        auth_style="bearer",
        api_key_env="NOWHERE_KEY",
    )
    services.put_model(model_id="sora-2", endpoint="nowhere")

    assert pull_until_finished(client, job_id)["status"] == "completed"
    moved = order(client, seconds=4)
    assert moved.status_code == 503 and moved.json()["code"] == "provider_unavailable"
    refunded = VideoJob.objects.latest("created_at")
    assert (refunded.endpoint.name, refunded.charge_status) == ("nowhere", "refunded")
    assert available(alice) == 500 - 80


def test_the_key_is_read_from_the_variable_the_endpoint_names(monkeypatch):
    endpoint, _ = services.put_endpoint(
        name="azure",
        base_url="https://storycraft.openai.azure.com/openai/v1",
        auth_style="api-key",
        api_key_env="AZURE_OPENAI_API_KEY",
    )
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    assert connection_of(endpoint).api_key == ""
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-key")
    connection = connection_of(endpoint)
    assert (connection.api_key, connection.auth_style) == ("azure-key", "api-key")
    stored = ProviderEndpoint.objects.filter(name="azure").values()[0]
    assert "azure-key" not in [str(value) for value in stored.values()]


def test_the_default_endpoint_follows_the_openai_settings(settings):
    settings.OPENAI_BASE_URL = "https://gateway.example/v1"
    settings.OPENAI_API_KEY = "sk-live"
    settings.OPENAI_AUTH_STYLE = "api-key"
    connection = connection_of(ProviderEndpoint.objects.get(name="default"))
    assert (connection.base_url, connection.api_key, connection.auth_style) == (
        "https://gateway.example/v1",
        "sk-live",
        "api-key",
    )


def test_a_size_of_another_aspect_than_the_format_is_refused(sora_provider):
    alice = person("alice", credits=200)
    response = order(api_for(alice), size="720x1280", format="16:9")
    assert response.status_code == 400
    assert "9:16" in response.json()["size"][0]
    assert available(alice) == 200


def test_without_a_default_model_an_order_must_name_one(sora_provider):
    CatalogModel.objects.update(is_default=False)
    alice = person("alice", credits=200)
    response = order(api_for(alice))
    assert response.status_code == 400
    assert "sora-2 or sora-2-pro" in response.json()["model"][0]
    assert order(api_for(alice), model="sora-2").status_code == 201


def test_provider_ids_up_to_1024_characters_are_kept(sora_provider):
    [job] = held_jobs(person("alice", credits=10))
    job.provider_video_id = "video_" + "x" * 1018
    job.save()
    job.refresh_from_db()
    assert len(job.provider_video_id) == 1024


def test_an_azure_style_endpoint_gets_the_api_key_header(sora_emulator, monkeypatch):
    """Azure OpenAI v1: /openai/v1 and an `api-key` header, the key from its own variable."""
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-secret")
    services.put_endpoint(
        name="azure",
        base_url=sora_emulator.server.azure_base_url,
        auth_style="api-key",
        api_key_env="AZURE_OPENAI_API_KEY",
    )
    services.put_model(model_id="sora-2-pro", endpoint="azure")
    alice = person("alice", credits=500)
    job = finished_order(api_for(alice), model="sora-2-pro", seconds=4, size="1792x1024")
    stored = VideoJob.objects.get(pk=job["id"])
    received = sora_emulator.server.store.get(stored.provider_video_id).received
    assert (received.auth, received.base_path, received.model, received.size) == (
        "api-key",
        "/openai/v1",
        "sora-2-pro",
        "1792x1024",
    )
    assert (job["cost"], job["charge_status"]) == (400, "settled")
