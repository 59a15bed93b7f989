"""StoryCraft's own provider client through a real LiteLLM proxy in front of the emulator.

Only `OpenAIVideoProvider`'s interface (create, retrieve, stream_content, delete) is used,
so these tests hold whatever the app builds on top of it. What they pin down about LiteLLM
(requirements-gateway.txt has the version) is what the app has to live with behind it.
"""

import base64
import time

import pytest

from videos.provider import ProviderNotFound, ProviderRejected

pytestmark = pytest.mark.gateway

# The id StoryCraft stores for a provider video (DESIGN.md: at least 1,024 characters).
MAX_PROVIDER_ID = 1024


def wait_until_finished(provider, video_id: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        video = provider.retrieve(video_id)
        if video.is_finished:
            return video
        if time.monotonic() > deadline:
            raise AssertionError(f"{video_id} still {video.status} after {timeout} s")
        time.sleep(min(video.poll_after_seconds or 0.3, 0.5))


def litellm_routing(video_id: str) -> str:
    """LiteLLM's video ids are `video_` + base64 of its routing and the upstream id."""
    assert video_id.startswith("video_")
    encoded = video_id.removeprefix("video_")
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


def download(provider, video_id: str) -> bytes:
    with provider.stream_content(video_id) as chunks:
        return b"".join(chunks)


def test_sora_2_is_ordered_polled_and_downloaded_through_the_gateway(gateway_provider):
    # Neither 8 s nor 1280x720 is the API's default: they must reach the emulator as sent.
    video = gateway_provider.create("a lighthouse at dusk, gateway run", "sora-2", 8, "1280x720")

    assert video.status in ("queued", "in_progress")
    assert (video.model, video.seconds, video.size) == ("sora-2", 8, "1280x720")
    # LiteLLM stamps its routing into the id; it must fit where StoryCraft stores it.
    assert 200 < len(video.id) <= MAX_PROVIDER_ID, len(video.id)
    routing = litellm_routing(video.id)
    assert "custom_llm_provider:openai" in routing
    assert "model_id:sora-2;" in routing
    assert ";video_id:video_" in routing  # the emulator's own id, inside

    finished = wait_until_finished(gateway_provider, video.id)
    assert finished.status == "completed", finished
    assert finished.id == video.id  # polling keeps the same gateway id
    assert (finished.progress, finished.seconds, finished.size) == (100, 8, "1280x720")
    assert finished.error_code is None

    mp4 = download(gateway_provider, video.id)
    assert mp4[4:8] == b"ftyp"
    assert len(mp4) > 1000


def test_sora_2_pro_route_relays_its_own_durations_and_sizes(gateway_provider):
    video = gateway_provider.create("a paper boat, gateway pro run", "sora-2-pro", 12, "1792x1024")
    assert (video.model, video.seconds, video.size) == ("sora-2-pro", 12, "1792x1024")
    assert "model_id:sora-2-pro;" in litellm_routing(video.id)
    assert len(video.id) <= MAX_PROVIDER_ID

    finished = wait_until_finished(gateway_provider, video.id)
    assert finished.status == "completed"
    assert (finished.model, finished.seconds, finished.size) == ("sora-2-pro", 12, "1792x1024")


def test_a_policy_rejection_comes_back_as_provider_rejected(gateway_provider):
    with pytest.raises(ProviderRejected) as caught:
        gateway_provider.create("a storm at sea [emulator:reject]", "sora-2", 4, "720x1280")

    error = caught.value
    assert not isinstance(error, ProviderNotFound)
    assert error.status_code == 400
    # LiteLLM keeps the status but rewrites the body (the upstream error as JSON inside its
    # message, `code` the status as a string): the client unwraps the provider's own error.
    assert error.code == "moderation_blocked"
    assert error.message == "Your request was blocked by our moderation system."


def test_an_invalid_value_upstream_is_a_400_whose_message_names_it(gateway_provider):
    with pytest.raises(ProviderRejected) as caught:
        gateway_provider.create("a square frame, gateway run", "sora-2", 4, "1024x1024")

    assert caught.value.status_code == 400
    assert (caught.value.code, caught.value.param) == ("invalid_value", "size")
    assert "1024x1024" in caught.value.message
    assert "litellm" not in caught.value.message.lower()


def test_a_job_that_fails_upstream_ends_failed_through_the_gateway(gateway_provider):
    video = gateway_provider.create("a glass bridge [emulator:fail]", "sora-2", 4, "720x1280")

    finished = wait_until_finished(gateway_provider, video.id)

    assert finished.status == "failed"
    assert finished.error_code == "generation_failed"
    assert finished.error_message


@pytest.mark.parametrize("marker", ["429", "500"])
def test_a_first_429_or_500_upstream_is_retried_by_the_gateway_itself(gateway_provider, marker):
    # LiteLLM's router retries the create (honouring retry-after), so the client sees a
    # success. Note that it retries a create on a 5xx too, which a client must not do.
    video = gateway_provider.create(
        f"a kite over dunes [emulator:{marker}]", "sora-2", 4, "720x1280"
    )
    assert video.status in ("queued", "in_progress")


def test_the_gateway_does_not_relay_delete(gateway_provider):
    # LiteLLM's proxy has no DELETE /v1/videos/{id} route: a cancel can't delete upstream.
    video = gateway_provider.create("a tram in the rain, gateway delete", "sora-2", 4, "720x1280")
    with pytest.raises(ProviderRejected) as caught:
        gateway_provider.delete(video.id)
    assert caught.value.status_code == 405


def test_an_unknown_id_upstream_is_a_404(gateway_provider):
    video = gateway_provider.create("a fox in snow, gateway 404", "sora-2", 4, "720x1280")
    routing = litellm_routing(video.id)
    upstream_id = routing.split(";video_id:")[1].split(";")[0]
    forged = "video_" + base64.b64encode(
        routing.replace(upstream_id, "video_" + "0" * 32).encode()
    ).decode().rstrip("=")

    with pytest.raises(ProviderNotFound):
        gateway_provider.retrieve(forged)


def test_the_gateway_drops_the_poll_hint_and_the_content_variant(gateway_provider):
    video = gateway_provider.create("a windmill at noon, gateway hints", "sora-2", 4, "720x1280")
    finished = wait_until_finished(gateway_provider, video.id)

    # The emulator sends `openai-poll-after-ms`; LiteLLM does not pass it on.
    assert finished.poll_after_seconds is None
    # Nor `?variant=`: asked for the thumbnail, it answers the MP4 (as video/mp4).
    with gateway_provider.stream_content(video.id, variant="thumbnail") as chunks:
        thumbnail = b"".join(chunks)
    assert thumbnail[4:8] == b"ftyp"
