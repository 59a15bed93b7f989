"""A job keeps what the provider charged for it: the reported cost, or the catalog's
estimate (upstream USD per second times seconds), for the margin report. The same against
the emulator's OpenRouter side is in test_order_openrouter.py."""

from decimal import Decimal

import pytest

from catalog.models import CatalogSize
from testing import held_jobs
from videos.models import VideoJob
from videos.services import lifecycle
from videos.tests.helpers import provider_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(alice):
    [job] = held_jobs(alice, status="in_progress", provider_video_id="video_cost", seconds=8)
    return job


def test_a_reported_cost_is_kept_as_it_is(job):
    CatalogSize.objects.filter(model__model_id="sora-2", size="1280x720").update(
        upstream_usd_per_second=Decimal("0.10")
    )
    video = provider_video(id="video_cost", status="completed", cost_usd=Decimal("0.4321"))
    _, ready = lifecycle.apply_provider_state(job_id=job.id, video=video)
    job.refresh_from_db()
    assert ready
    assert (job.provider_cost_usd, job.provider_cost_estimated) == (Decimal("0.4321"), False)


def test_without_one_the_catalogs_upstream_price_is_the_estimate(job):
    CatalogSize.objects.filter(model__model_id="sora-2", size="1280x720").update(
        upstream_usd_per_second=Decimal("0.125")
    )
    lifecycle.apply_provider_state(
        job_id=job.id, video=provider_video(id="video_cost", status="completed")
    )
    job.refresh_from_db()
    assert (job.provider_cost_usd, job.provider_cost_estimated) == (Decimal("1.000"), True)


def test_without_an_upstream_price_nothing_is_guessed(job):
    lifecycle.apply_provider_state(
        job_id=job.id, video=provider_video(id="video_cost", status="completed")
    )
    job.refresh_from_db()
    assert job.provider_cost_usd is None and not job.provider_cost_estimated


def test_a_failure_keeps_a_reported_cost_and_is_refunded(job):
    video = provider_video(id="video_cost", status="failed", cost_usd=Decimal("0.05"))
    lifecycle.apply_provider_state(job_id=job.id, video=video)
    job = VideoJob.objects.get(pk=job.pk)
    assert (job.status, job.charge_status) == ("failed", "refunded")
    assert job.provider_cost_usd == Decimal("0.05")
