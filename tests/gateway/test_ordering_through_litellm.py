"""StoryCraft end to end through a real LiteLLM proxy: catalog models on a gateway
endpoint are ordered through the API, polled, downloaded, settled or refunded."""

import io

import av
import pytest

from catalog import services
from testing import api_for, available, entries_of, person, wait_until
from videos.models import VideoJob
from videos.provider import reset_provider
from videos.services.polling import sweep

pytestmark = [pytest.mark.gateway, pytest.mark.django_db]


@pytest.fixture
def gateway_catalog(litellm_gateway, monkeypatch):
    """A `gateway` endpoint in front of the emulator, with Sora and a Veo-like model on it."""
    monkeypatch.setenv("GATEWAY_API_KEY", litellm_gateway.api_key)
    services.put_endpoint(
        name="gateway",
        base_url=litellm_gateway.base_url,
        auth_style="bearer",
        api_key_env="GATEWAY_API_KEY",
    )
    services.put_model(model_id="sora-2", endpoint="gateway")
    services.put_model(
        model_id="google/veo-3.1-fast",
        name="Veo 3.1 Fast",
        endpoint="gateway",
        upstream_model="veo-3.1-fast",
        durations=[5, 10],
        sizes=[
            services.SizePrice("1344x768", 30),
            services.SizePrice("768x1344", 30),
            services.SizePrice("768x768", 25, format="1:1"),
        ],
    )
    reset_provider()
    yield litellm_gateway
    reset_provider()


def until_settled(job_ids) -> list[VideoJob]:
    """Let the worker's sweep poll and download, as it does in production."""

    def finished():
        sweep(download_now=True)
        jobs = list(VideoJob.objects.filter(pk__in=job_ids))
        return jobs if all(not job.is_active for job in jobs) else None

    return wait_until(finished, timeout=90, interval=0.5)


def stored_video(client, job_id) -> av.container.InputContainer:
    response = client.get(f"/videos/{job_id}/file")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert data[4:8] == b"ftyp"
    return av.open(io.BytesIO(data))


def test_a_sora_order_goes_through_the_gateway_and_settles(gateway_catalog):
    alice = person("alice", credits=200)
    client = api_for(alice)
    response = client.post(
        "/videos", {"prompt": "A paper boat", "seconds": 8, "format": "16:9"}, format="json"
    )
    assert response.status_code == 201, response.json()
    [job] = until_settled([response.json()["id"]])
    assert (job.status, job.charge_status, job.cost) == ("completed", "settled", 160)
    assert job.endpoint.name == "gateway" and len(job.provider_video_id) > 200
    assert stored_video(client, job.id).streams.video[0].width == 1280
    assert available(alice) == 40


def test_a_square_veo_video_is_ordered_at_its_own_price(gateway_catalog):
    alice = person("alice", credits=500)
    client = api_for(alice)
    response = client.post(
        "/videos",
        {"prompt": "A red kite", "seconds": 5, "format": "1:1", "model": "google/veo-3.1-fast"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["size"], response.json()["cost"]) == ("768x768", 125)
    [job] = until_settled([response.json()["id"]])
    assert (job.status, job.charge_status, job.upstream_model) == (
        "completed",
        "settled",
        "veo-3.1-fast",
    )
    upstream, _ = gateway_catalog.emulator.server.store.page(after=None, limit=100, order="desc")
    assert any(
        (sent.received.model, sent.received.seconds, sent.received.size)
        == ("veo-3.1-fast", "5", "768x768")
        for sent in upstream
    )
    container = stored_video(client, job.id)
    stream = container.streams.video[0]
    assert (stream.width, stream.height) == (768, 768)
    assert float(container.duration / av.time_base) == pytest.approx(5, abs=0.5)
    assert [entry.amount for entry in entries_of(alice, "hold")] == [-125]
    assert available(alice) == 375


@pytest.mark.django_db(transaction=True)  # the sweep polls five jobs from its own threads
def test_a_veo_batch_of_five_styles_settles_every_job(gateway_catalog):
    alice = person("alice", credits=2000)
    client = api_for(alice)
    response = client.post(
        "/videos/batch",
        {
            "prompt": "A lighthouse",
            "seconds": 10,
            "size": "768x1344",
            "model": "google/veo-3.1-fast",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    jobs = until_settled([job["id"] for job in response.json()["jobs"]])
    assert {(job.status, job.charge_status, job.cost) for job in jobs} == {
        ("completed", "settled", 300)
    }
    assert available(alice) == 2000 - 5 * 300


def test_a_failure_through_the_gateway_is_refunded(gateway_catalog):
    alice = person("alice", credits=200)
    client = api_for(alice)
    response = client.post(
        "/videos",
        {"prompt": "A storm [emulator:fail]", "seconds": 5, "model": "google/veo-3.1-fast"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    [job] = until_settled([response.json()["id"]])
    assert (job.status, job.charge_status, job.error_code) == (
        "failed",
        "refunded",
        "generation_failed",
    )
    assert available(alice) == 200


def test_a_rejection_through_the_gateway_is_refunded_with_a_clean_message(gateway_catalog):
    alice = person("alice", credits=200)
    response = api_for(alice).post(
        "/videos",
        {"prompt": "Forbidden [emulator:reject]", "seconds": 4, "format": "16:9"},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "provider_rejected"
    assert "litellm" not in response.json()["detail"].lower()
    assert "moderation" in response.json()["detail"].lower()
    job = VideoJob.objects.get(owner=alice)
    assert (job.charge_status, job.error_code) == ("refunded", "moderation_blocked")
    assert available(alice) == 200
