"""The official openrouter SDK, pointed at the emulator's /api/v1, must not notice it is not
OpenRouter: its typed models parse every answer, and its error classes come out."""

import io
import time

import av
import httpx
import pytest
from openrouter import OpenRouter, components, errors

from sora_emulator.tests.helpers import AUTH, unique


@pytest.fixture
def sdk(sora_emulator):
    with OpenRouter(
        api_key="sk-or-test", server_url=sora_emulator.server.openrouter_base_url
    ) as sdk:
        yield sdk


def poll_until_ended(sdk, job_id: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = sdk.video_generation.get_generation(job_id=job_id)
        if job.status in ("completed", "failed", "cancelled", "expired"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"{job_id} did not end")


def test_it_lists_models_generates_polls_and_downloads(sdk):
    models = sdk.video_generation.list_videos_models()
    assert isinstance(models, components.VideoModelsListResponse)
    pro = next(model for model in models.data if model.id == "sora-2-pro")
    assert pro.supported_durations == [4, 8, 12]
    assert pro.supported_sizes == ["720x1280", "1280x720", "1024x1792", "1792x1024"]
    assert pro.pricing_skus == {"per-video-second": "0.30", "per-video-second-1024p": "0.50"}
    assert pro.supported_frame_images == ["first_frame"]

    job = sdk.video_generation.generate(
        model="sora-2-pro", prompt=unique(), duration=4, aspect_ratio="16:9", resolution="720p"
    )
    assert isinstance(job, components.VideoGenerationResponse)
    assert job.status == "pending" and job.id.startswith("gen-vid-")

    done = poll_until_ended(sdk, job.id)
    assert done.status == "completed"
    assert done.usage.cost == pytest.approx(1.2) and done.usage.is_byok is False
    assert done.unsigned_urls == [f"{job.polling_url}/content?index=0"]

    content = sdk.video_generation.get_video_content(job_id=job.id, index=0)
    assert content.headers["content-type"] == "video/mp4"
    with av.open(io.BytesIO(content.read())) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (1280, 720)
        assert container.duration / av.time_base == pytest.approx(4, abs=0.2)


def test_a_failed_job_carries_its_error(sdk):
    job = sdk.video_generation.generate(model="sora-2", prompt=unique("[emulator:fail]"))
    failed = poll_until_ended(sdk, job.id)
    assert failed.status == "failed" and "failed" in failed.error and failed.usage is None


def test_every_answer_has_only_fields_the_sdk_declares(sora_emulator):
    base = sora_emulator.server.openrouter_base_url
    with httpx.Client(base_url=base + "/", headers=AUTH) as http:
        for model in http.get("videos/models").json()["data"]:
            assert set(model) <= set(components.VideoModel.model_fields)
            components.VideoModel.model_validate(model)
        submitted = http.post("videos", json={"model": "sora-2", "prompt": unique()}).json()
        time.sleep(1.1)
        for answer in (submitted, http.get(f"videos/{submitted['id']}").json()):
            assert set(answer) <= set(components.VideoGenerationResponse.model_fields)
            components.VideoGenerationResponse.model_validate(answer)


@pytest.mark.parametrize(
    ("fields", "error_class"),
    [
        ({"model": "sora-2", "duration": 5}, errors.BadRequestResponseError),
        ({"model": "veo-9"}, errors.NotFoundResponseError),
        (
            {"model": "sora-2", "prompt": unique("[emulator:402]")},
            errors.PaymentRequiredResponseError,
        ),
        (
            {"model": "sora-2", "prompt": unique("[emulator:429]")},
            errors.TooManyRequestsResponseError,
        ),
    ],
)
def test_its_error_classes_come_out_of_generate(sdk, fields, error_class):
    fields.setdefault("prompt", unique())
    with pytest.raises(error_class) as raised:
        sdk.video_generation.generate(**fields)
    assert raised.value.data.error.code == raised.value.status_code


def test_content_errors_are_conflict_gone_and_not_found(sdk):
    running = sdk.video_generation.generate(model="sora-2", prompt=unique())
    with pytest.raises(errors.ConflictResponseError):
        sdk.video_generation.get_video_content(job_id=running.id)
    expired = sdk.video_generation.generate(model="sora-2", prompt=unique("[emulator:expire]"))
    assert poll_until_ended(sdk, expired.id).status == "expired"
    with pytest.raises(errors.GoneResponseError):
        sdk.video_generation.get_video_content(job_id=expired.id)
    with pytest.raises(errors.NotFoundResponseError):
        sdk.video_generation.get_generation(job_id="gen-vid-1-nope")


def test_the_sdk_retries_a_500_by_itself(sdk, sora_emulator):
    prompt = unique("[emulator:500]")
    job = sdk.video_generation.generate(model="sora-2", prompt=prompt)
    assert job.status == "pending"
    # The emulator did refuse the first try: a second is no longer a first attempt.
    assert not sora_emulator.server.store.first_attempt("500", prompt)


def test_a_missing_key_is_unauthorized(sora_emulator):
    base = sora_emulator.server.openrouter_base_url
    with (
        OpenRouter(api_key=None, server_url=base) as sdk,
        pytest.raises(errors.UnauthorizedResponseError),
    ):
        sdk.video_generation.get_generation(job_id="gen-vid-1-nope")
