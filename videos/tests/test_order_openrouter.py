"""Ordering through an `openrouter` endpoint, against the emulator's OpenRouter side
(`/api/v1`) over real HTTP: orders that complete, download, settle and record the
provider's cost; failures and expiry refunded; no remix, no delete; signed webhooks; the
poller."""

import logging
import uuid
from datetime import timedelta
from decimal import Decimal

import av
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_q.conf import Conf

from catalog.models import CatalogModel, Protocol
from catalog.services import SizePrice, put_endpoint, put_model
from sora_emulator import serve_in_thread
from testing import (
    api_for,
    available,
    entries_of,
    finished_order,
    order,
    person,
    pull_until_finished,
    wait_until,
)
from videos.models import JobStatus, VideoJob, WebhookDelivery
from videos.provider import OpenRouterVideoProvider, get_provider, reset_provider
from videos.services.polling import sweep
from videos.tasks import refresh_video

MODEL = "emu/veo-3.1"
# The emulator's model: its sizes and USD prices (what usage.cost is computed from).
EMULATOR_MODELS = {
    MODEL: {
        "seconds": [4, 8],
        "sizes": ["1280x720", "720x1280", "720x720"],
        "usd_per_second": {"1280x720": "0.10", "720x1280": "0.10", "720x720": "0.10"},
    }
}
KEY_ENV = "STORYCRAFT_TEST_OPENROUTER_KEY"
SECRET_ENV = "STORYCRAFT_TEST_OPENROUTER_SECRET"
SECRET = "or-webhook-signing-secret"


def unique(prompt: str = "a heron over the marsh") -> str:
    return f"{prompt} #{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def router_emulator(tmp_path_factory):
    """An emulator whose model list has a 1:1 size; jobs finish in 1 s; no webhooks."""
    server, _ = serve_in_thread(
        job_seconds=1,
        models=EMULATOR_MODELS,
        cache_dir=tmp_path_factory.mktemp("openrouter-emulator-cache"),
    )
    yield server
    server.stop()


def make_router(base_url: str, monkeypatch, *, secret: bool = False):
    """The `openrouter` endpoint at `base_url` and the catalog model MODEL on it."""
    monkeypatch.setenv(KEY_ENV, "sk-or-test")
    if secret:
        monkeypatch.setenv(SECRET_ENV, SECRET)
    put_endpoint(
        name="openrouter",
        protocol=Protocol.OPENROUTER,
        base_url=base_url,
        auth_style="bearer",
        api_key_env=KEY_ENV,
        webhook_secret_env=SECRET_ENV if secret else None,
    )
    put_model(
        model_id=MODEL,
        name="Emulated Veo",
        endpoint="openrouter",
        upstream_model=MODEL,
        durations=[4, 8],
        sizes=[
            SizePrice("1280x720", 13),
            SizePrice("720x1280", 13),
            SizePrice("720x720", 11, "1:1"),
        ],
    )
    # The row says it can remix (put_model refuses that now, a row from before may): the
    # protocol has no remix whatever the row says.
    CatalogModel.objects.filter(model_id=MODEL).update(can_remix=True)
    reset_provider()


@pytest.fixture
def router(router_emulator, monkeypatch, db):
    make_router(router_emulator.openrouter_base_url, monkeypatch)
    yield router_emulator
    reset_provider()


def received(emulator, job: VideoJob) -> dict:
    return emulator.store.find(job.provider_video_id, protocol="openrouter").received.body


def check_mp4(job: VideoJob, size: tuple[int, int], seconds: int) -> None:
    with default_storage.open(job.file.name) as handle, av.open(handle) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == size
        assert abs(float(container.duration / av.time_base) - seconds) < 0.5


@pytest.mark.parametrize(
    ("format_", "size", "dimensions", "usd"),
    [
        ("16:9", "1280x720", (1280, 720), Decimal("0.40")),
        ("1:1", "720x720", (720, 720), Decimal("0.40")),
    ],
)
def test_an_order_completes_downloads_settles_and_records_the_cost(
    router, format_, size, dimensions, usd
):
    alice = person("alice", credits=500)
    client = api_for(alice)
    created = order(client, model=MODEL, seconds=4, format=format_, prompt=unique())
    assert created.status_code == 201, created.json()
    assert created.json()["size"] == size
    assert available(alice) == 500 - created.json()["cost"]

    done = pull_until_finished(client, created.json()["id"])

    assert (done["status"], done["charge_status"], done["progress"]) == (
        "completed",
        "settled",
        100,
    )
    job = VideoJob.objects.get(pk=done["id"])
    assert job.provider_video_id.startswith("gen-vid-")
    body = received(router, job)
    assert (body["model"], body["duration"], body["size"]) == (MODEL, 4, size)
    assert (body["aspect_ratio"], body["resolution"]) == (format_, "720p")
    check_mp4(job, dimensions, 4)
    assert job.thumbnail  # the video's first frame: OpenRouter has no thumbnail
    assert (job.provider_cost_usd, job.provider_cost_estimated) == (usd, False)
    assert [entry.kind for entry in entries_of(alice, "hold", "settle")] == ["hold", "settle"]


def test_a_failure_is_refunded(router):
    alice = person("alice", credits=500)
    client = api_for(alice)
    job = order(client, model=MODEL, prompt=unique("[emulator:fail] a storm")).json()
    done = pull_until_finished(client, job["id"])
    assert (done["status"], done["charge_status"]) == ("failed", "refunded")
    assert VideoJob.objects.get(pk=job["id"]).error_code == "generation_failed"
    assert available(alice) == 500


def test_an_expired_video_is_refunded(router):
    alice = person("alice", credits=500)
    client = api_for(alice)
    job = order(client, model=MODEL, prompt=unique("[emulator:expire] a glacier")).json()
    done = pull_until_finished(client, job["id"])
    assert (done["status"], done["charge_status"]) == ("failed", "refunded")
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.error_code == "expired" and not stored.file
    assert available(alice) == 500


def test_a_cancel_upstream_is_refunded(router):
    alice = person("alice", credits=500)
    client = api_for(alice)
    job = order(client, model=MODEL, prompt=unique("[emulator:cancel] a kite")).json()
    done = pull_until_finished(client, job["id"])
    assert (done["status"], done["charge_status"]) == ("failed", "refunded")
    assert VideoJob.objects.get(pk=job["id"]).error_code == "provider_cancelled"


def test_a_refused_order_is_a_4xx_and_refunded(router):
    alice = person("alice", credits=500)
    response = order(api_for(alice), model=MODEL, prompt=unique("[emulator:reject] a crowd"))
    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "provider_rejected"
    assert available(alice) == 500
    assert VideoJob.objects.get(owner=alice).status == JobStatus.FAILED


def test_an_upstream_account_out_of_credits_is_an_outage_not_the_users_fault(router):
    alice = person("alice", credits=500)
    response = order(api_for(alice), model=MODEL, prompt=unique("[emulator:402] a fox"))
    assert response.status_code == 503, response.json()
    assert available(alice) == 500


def test_a_video_cannot_be_remixed(router):
    alice = person("alice", credits=500)
    client = api_for(alice)
    source = finished_order(client, model=MODEL, prompt=unique())
    response = client.post(f"/videos/{source['id']}/remix", {"prompt": "at night"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "remix_not_supported"
    assert available(alice) == 500 - source["cost"]
    offer = next(model for model in client.get("/models").json()["results"] if model["id"] == MODEL)
    assert offer["can_remix"] is False


def test_a_cancel_refunds_without_asking_openrouter(
    router, caplog, django_capture_on_commit_callbacks
):
    alice = person("alice", credits=500)
    client = api_for(alice)
    job = order(client, model=MODEL, prompt=unique("[emulator:slow] a snail")).json()
    stored = VideoJob.objects.get(pk=job["id"])
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/videos/{job['id']}/cancel")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["charge_status"]) == (
        "cancelled",
        "refunded",
    )
    assert available(alice) == 500
    assert "has no delete" in caplog.text
    assert "could not delete" not in caplog.text
    # Untouched upstream: still there, still running.
    upstream = router.store.find(stored.provider_video_id, protocol="openrouter")
    assert upstream is not None and not upstream.deleted
    assert get_provider(stored.endpoint).retrieve(stored.provider_video_id).status in (
        "queued",
        "in_progress",
    )


def test_the_poller_completes_it(router):
    alice = person("alice", credits=500)
    job = order(api_for(alice), model=MODEL, format="9:16", prompt=unique()).json()
    stored = VideoJob.objects.get(pk=job["id"])
    provider = get_provider(stored.endpoint)
    assert isinstance(provider, OpenRouterVideoProvider)
    wait_until(lambda: provider.retrieve(stored.provider_video_id).status == "completed")
    VideoJob.objects.filter(pk=stored.pk).update(next_poll_at=timezone.now())

    result = sweep(download_now=True)

    assert (result.polled, result.downloads) == (1, 1)
    stored.refresh_from_db()
    assert (stored.status, stored.charge_status) == ("completed", "settled")
    check_mp4(stored, (720, 1280), 4)
    assert stored.provider_cost_usd == Decimal("0.40")


def test_a_running_job_is_polled_again_by_its_age(router):
    alice = person("alice", credits=500)
    job = order(api_for(alice), model=MODEL, prompt=unique("[emulator:slow] a tortoise")).json()
    VideoJob.objects.filter(pk=job["id"]).update(next_poll_at=timezone.now())
    sweep()
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS)
    assert stored.progress == 0  # OpenRouter reports none
    assert stored.next_poll_at > timezone.now() + timedelta(seconds=0.1)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_signed_webhook_from_the_emulator_is_verified_and_followed(
    live_server, monkeypatch, tmp_path
):
    server, _ = serve_in_thread(
        job_seconds=1,
        models=EMULATOR_MODELS,
        cache_dir=tmp_path / "cache",
        openrouter_webhook_url=f"{live_server.url}/webhooks/openrouter/openrouter",
        openrouter_webhook_secret=SECRET,
    )
    try:
        make_router(server.openrouter_base_url, monkeypatch, secret=True)
        alice = person("alice", credits=500)
        job = order(api_for(alice), model=MODEL, prompt=unique()).json()
        stored = VideoJob.objects.get(pk=job["id"])

        delivery = wait_until(
            lambda: WebhookDelivery.objects.filter(
                provider_video_id=stored.provider_video_id
            ).first()
        )
        assert delivery.event_type == "video.generation.completed"
        assert delivery.webhook_id == f"key:{stored.provider_video_id}-completed"
        if not Conf.SYNC:
            # The follow-up waits in the queue for a worker: do what the worker would.
            refresh_video(str(stored.pk))
        # (With Q_SYNC the web process ran it already, or is running it: no poll, no pull.)
        done = wait_until(
            lambda: VideoJob.objects.filter(pk=stored.pk, status=JobStatus.COMPLETED).first()
        )
        assert done.charge_status == "settled"
        assert done.provider_cost_usd == Decimal("0.40")
    finally:
        server.stop()
        reset_provider()
