"""How StoryCraft's orders and OpenRouter's answers map onto each other, without HTTP; the
same client against the emulator is in test_provider_openrouter.py."""

import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from catalog.models import Protocol, ProviderEndpoint
from videos.provider import (
    OpenAIVideoProvider,
    OpenRouterVideoProvider,
    build_provider,
    get_provider,
    provider_class,
    reset_provider,
)
from videos.provider.openrouter import resolution_of, shape_fields, video_from

VEO = {
    "id": "google/veo-3.1",
    "supported_resolutions": ["720p", "1080p"],
    "supported_aspect_ratios": ["16:9", "9:16", "1:1"],
    "supported_sizes": ["1280x720", "1920x1080"],
}


@pytest.mark.parametrize(
    ("size", "expected"),
    [("1280x720", "720p"), ("720x1280", "720p"), ("1920x1080", "1080p"), ("480x480", "480p")],
)
def test_the_resolution_is_the_short_side(size, expected):
    assert resolution_of(size) == expected


def test_a_size_the_model_does_not_list_goes_as_aspect_ratio_and_resolution():
    assert shape_fields("720x1280", "9:16", VEO) == {"aspect_ratio": "9:16", "resolution": "720p"}
    assert shape_fields("1080x1080", "1:1", None) == {"aspect_ratio": "1:1", "resolution": "1080p"}


def test_a_listed_size_goes_as_the_size_with_what_else_the_model_lists():
    assert shape_fields("1920x1080", "16:9", VEO) == {
        "size": "1920x1080",
        "aspect_ratio": "16:9",
        "resolution": "1080p",
    }
    sizes_only = {"supported_sizes": ["1280x720"], "supported_resolutions": None}
    assert shape_fields("1280x720", "16:9", sizes_only) == {"size": "1280x720"}


def test_without_a_format_the_aspect_is_the_nearest_common_one():
    assert shape_fields("1344x768", None, None)["aspect_ratio"] == "16:9"


def job(**fields) -> dict:
    return {"id": "vgen_1", "polling_url": "https://x/api/v1/videos/vgen_1", **fields}


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [("pending", "queued"), ("in_progress", "in_progress"), ("completed", "completed")],
)
def test_running_and_completed_statuses(theirs, ours):
    video = video_from(job(status=theirs))
    assert (video.status, video.progress, video.error_code) == (ours, 0, None)
    assert video.poll_after_seconds is None


@pytest.mark.parametrize(
    ("theirs", "code"),
    [("failed", "generation_failed"), ("cancelled", "provider_cancelled"), ("expired", "expired")],
)
def test_every_other_end_is_a_failure_with_its_own_code(theirs, code):
    video = video_from(job(status=theirs))
    assert (video.status, video.error_code) == ("failed", code)
    assert video.error_message


def test_a_failure_keeps_the_providers_words():
    video = video_from(job(status="failed", error="Content policy violation"))
    assert (video.error_code, video.error_message) == (
        "generation_failed",
        "Content policy violation",
    )
    coded = video_from(job(status="failed", error={"code": "moderation", "message": "No."}))
    assert (coded.error_code, coded.error_message) == ("moderation", "No.")
    # Expired decides the refund reason: the provider's own code does not replace it.
    expired = video_from(job(status="expired", error={"code": "gone", "message": "Gone."}))
    assert expired.error_code == "expired"


def test_an_unknown_status_is_still_running_and_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="videos.provider"):
        video = video_from(job(status="upscaling"))
    assert video.status == "in_progress" and not video.is_finished
    assert "upscaling" in caplog.text


def test_the_reported_cost_is_kept_exactly():
    video = video_from(job(status="completed", usage={"cost": 0.4, "is_byok": False}))
    assert video.cost_usd == Decimal("0.4")
    assert video_from(job(status="completed", usage={"cost": "1.25"})).cost_usd == Decimal("1.25")
    for usage in (None, {}, {"cost": None}, {"cost": True}, {"cost": -1}, {"cost": "NaN"}):
        assert video_from(job(status="completed", usage=usage)).cost_usd is None


def test_expiry_as_an_iso_time_or_unix_seconds():
    moment = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert video_from(job(status="completed", expires_at="2026-12-05T08:00:00Z")).expires_at == (
        moment
    )
    assert video_from(job(status="completed", expires_at=moment.timestamp())).expires_at == moment


def test_a_reported_progress_is_used_when_there_is_one():
    assert video_from(job(status="in_progress", progress=42)).progress == 42


@pytest.mark.parametrize("body", [{}, {"id": "x"}, {"status": "pending"}, {"id": 1, "status": 2}])
def test_what_is_not_a_job_is_refused(body):
    with pytest.raises((KeyError, TypeError)):
        video_from(body)


def test_the_capabilities_are_on_the_class():
    assert provider_class(Protocol.OPENROUTER) is OpenRouterVideoProvider
    assert not OpenRouterVideoProvider.supports_remix
    assert not OpenRouterVideoProvider.supports_delete
    assert not OpenRouterVideoProvider.serves_thumbnails
    assert OpenAIVideoProvider.supports_remix and OpenAIVideoProvider.supports_delete
    with pytest.raises(ValueError, match="smoke"):
        provider_class("smoke")


@pytest.mark.django_db
def test_the_endpoints_protocol_picks_the_client(monkeypatch):
    monkeypatch.setenv("ROUTER_KEY", "sk-or-test")
    endpoint = ProviderEndpoint.objects.create(
        name="router",
        protocol=Protocol.OPENROUTER,
        base_url="https://openrouter.example/api/v1",
        auth_style="bearer",
        api_key_env="ROUTER_KEY",
    )
    client = build_provider(endpoint)
    try:
        assert isinstance(client, OpenRouterVideoProvider)
        assert client._client.headers["authorization"] == "Bearer sk-or-test"
    finally:
        client.close()
    reset_provider()
    try:
        assert isinstance(get_provider(endpoint), OpenRouterVideoProvider)
        # An endpoint edited in the admin gets a new client at once, of its new protocol.
        endpoint.protocol = Protocol.OPENAI
        assert isinstance(get_provider(endpoint), OpenAIVideoProvider)
    finally:
        reset_provider()
