"""StoryCraft's provider client against the Sora emulator over real HTTP."""

import io
import time
import uuid

import av
import pytest

from sora_emulator import serve_in_thread
from videos.provider import (
    ProviderNotFound,
    ProviderOutcomeUnknown,
    ProviderRejected,
    ProviderUnavailable,
    build_provider,
    get_provider,
    reset_provider,
)


def unique(prompt: str = "a fox in the snow") -> str:
    return f"{prompt} #{uuid.uuid4().hex[:8]}"


@pytest.fixture
def provider(sora_emulator):
    client = build_provider(
        base_url=sora_emulator.base_url, api_key="sk-test", max_retries=2, backoff_initial=0.05
    )
    yield client
    client.close()


def wait_until_finished(provider, provider_id: str):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        video = provider.retrieve(provider_id)
        if video.is_finished:
            return video
        time.sleep(0.1)
    raise AssertionError("the video did not finish")


def test_it_creates_a_video(provider):
    video = provider.create(unique(), "sora-2-pro", 8, "1792x1024")
    assert video.id.startswith("video_")
    assert (video.status, video.model, video.seconds, video.size) == (
        "queued",
        "sora-2-pro",
        8,
        "1792x1024",
    )
    assert video.created_at is not None and video.created_at.tzinfo is not None
    assert video.request_id.startswith("req_")


def test_retrieve_surfaces_the_poll_hint(provider):
    video = provider.retrieve(provider.create(unique(), "sora-2", 4, "720x1280").id)
    assert video.poll_after_seconds is not None and video.poll_after_seconds > 0


def test_it_succeeds_after_a_429_with_retry_after(provider):
    started = time.monotonic()
    video = provider.create(unique("[emulator:429]"), "sora-2", 4, "720x1280")
    assert video.status == "queued"
    assert time.monotonic() - started >= 0.9  # waited the server's retry-after: 1


def test_it_succeeds_after_a_500(provider):
    assert provider.create(unique("[emulator:500]"), "sora-2", 4, "720x1280").status == "queued"


def test_it_does_not_retry_a_rejection(provider):
    prompt = unique("[emulator:reject] [emulator:500]")
    with pytest.raises(ProviderRejected) as raised:
        provider.create(prompt, "sora-2", 4, "720x1280")
    assert raised.value.status_code == 400
    assert raised.value.code == "moderation_blocked"
    assert raised.value.request_id.startswith("req_")


def test_an_invalid_order_is_rejected_with_its_param(provider):
    with pytest.raises(ProviderRejected) as raised:
        provider.create(unique(), "sora-2", 4, "1024x1024")
    assert (raised.value.code, raised.value.param) == ("invalid_value", "size")


def test_exhausted_retries_are_unavailable(sora_emulator):
    client = build_provider(base_url=sora_emulator.base_url, api_key="k", max_retries=0)
    with pytest.raises(ProviderUnavailable) as raised:
        client.create(unique("[emulator:500]"), "sora-2", 4, "720x1280")
    assert raised.value.status_code == 500


def test_retries_stop_when_their_time_budget_is_spent(sora_emulator):
    slept = []
    client = build_provider(
        base_url=sora_emulator.base_url, api_key="k", retry_budget=0.5, sleep=slept.append
    )
    with pytest.raises(ProviderUnavailable) as raised:
        client.create(unique("[emulator:429]"), "sora-2", 4, "720x1280")
    assert raised.value.status_code == 429
    assert slept == []  # a 1 s Retry-After does not fit in half a second


def test_a_refused_connection_is_unavailable():
    client = build_provider(
        base_url="http://127.0.0.1:9/v1", api_key="k", max_retries=1, backoff_initial=0.01
    )
    with pytest.raises(ProviderUnavailable):
        client.create(unique(), "sora-2", 4, "720x1280")


def test_a_read_timeout_on_create_is_outcome_unknown(tmp_path):
    server, base_url = serve_in_thread(job_seconds=1, create_delay=1.0, cache_dir=tmp_path)
    client = build_provider(base_url=base_url, api_key="k", read_timeout=0.2, max_retries=3)
    try:
        with pytest.raises(ProviderOutcomeUnknown):
            client.create(unique(), "sora-2", 4, "720x1280")
        time.sleep(1.0)
        # The emulator did create it: retrying would have ordered a second video.
        assert len(server.store.page(after=None, limit=100, order="desc")[0]) == 1
    finally:
        client.close()
        server.stop()


def test_an_unknown_id_is_not_found(provider):
    with pytest.raises(ProviderNotFound) as raised:
        provider.retrieve("video_unknown")
    assert raised.value.status_code == 404


def test_a_failed_job_carries_its_error(provider):
    video = wait_until_finished(
        provider, provider.create(unique("[emulator:fail]"), "sora-2", 4, "720x1280").id
    )
    assert (video.status, video.error_code) == ("failed", "generation_failed")
    assert video.error_message


def test_the_downloaded_file_matches_the_order(provider):
    video = provider.create("a paper boat on a river", "sora-2", 4, "1280x720")
    finished = wait_until_finished(provider, video.id)
    assert finished.completed_at is not None and finished.expires_at > finished.completed_at
    buffer = io.BytesIO()
    with provider.stream_content(video.id) as chunks:
        for chunk in chunks:
            buffer.write(chunk)
    buffer.seek(0)
    with av.open(buffer) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (1280, 720)
        assert container.duration / av.time_base == pytest.approx(4, abs=0.2)


def test_content_before_completion_is_not_found(provider):
    video = provider.create(unique(), "sora-2", 4, "720x1280")
    with pytest.raises(ProviderNotFound), provider.stream_content(video.id):
        pass


def test_delete_removes_the_video(provider):
    video = provider.create(unique(), "sora-2", 4, "720x1280")
    provider.delete(video.id)
    with pytest.raises(ProviderNotFound):
        provider.retrieve(video.id)


def test_it_sends_the_azure_api_key_header(sora_emulator):
    client = build_provider(base_url=sora_emulator.base_url, api_key="k", auth_style="api-key")
    assert client._client.headers["api-key"] == "k"
    assert "authorization" not in client._client.headers
    assert client.create(unique(), "sora-2", 4, "720x1280").status == "queued"


def test_get_provider_is_one_shared_client_built_from_settings(settings, sora_emulator):
    settings.OPENAI_BASE_URL = sora_emulator.base_url
    reset_provider()
    try:
        assert get_provider() is get_provider()
        assert get_provider().retrieve(get_provider().create(unique(), "sora-2", 4, "720x1280").id)
    finally:
        reset_provider()


def test_the_sora_provider_fixture_points_at_the_emulator(sora_provider):
    assert sora_provider.create(unique(), "sora-2", 4, "720x1280").status == "queued"
