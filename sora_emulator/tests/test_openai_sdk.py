"""The official openai SDK, pointed at the emulator, must not notice it is not OpenAI."""

import io
import time

import av
import httpx
import openai
import pytest
from openai.types import Video

from sora_emulator.tests.helpers import AUTH, unique

pytestmark = pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")


@pytest.fixture
def sdk(sora_emulator):
    with openai.OpenAI(
        api_key=sora_emulator.api_key, base_url=sora_emulator.base_url, max_retries=0
    ) as sdk:
        yield sdk


def strictly_valid(payload: dict) -> Video:
    """Every field the SDK's model declares is present, and nothing else."""
    assert set(payload) == set(Video.model_fields)
    return Video.model_validate(payload, strict=True)


def test_it_creates_polls_lists_downloads_and_deletes(sdk, sora_emulator):
    video = sdk.videos.create(prompt=unique(), model="sora-2", seconds="4", size="1280x720")
    assert isinstance(video, Video) and video.status == "queued"
    done = sdk.videos.create_and_poll(prompt=unique(), seconds="4", size="1280x720")
    assert done.status == "completed" and done.progress == 100

    listed = sdk.videos.list(limit=100)
    assert done.id in [item.id for item in listed.data]

    content = sdk.videos.download_content(done.id)
    with av.open(io.BytesIO(content.content)) as container:
        assert container.streams.video[0].width == 1280
    thumbnail = sdk.videos.download_content(done.id, variant="thumbnail")
    assert thumbnail.content[:4] == b"RIFF"

    deleted = sdk.videos.delete(video.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (video.id, True, "video.deleted")


def test_every_answer_validates_as_the_sdk_video_model(sora_emulator):
    with httpx.Client(base_url=sora_emulator.base_url + "/", headers=AUTH) as http:
        created = http.post("videos", files={"prompt": (None, unique())}).json()
        failed = http.post("videos", files={"prompt": (None, unique("[emulator:fail]"))}).json()
        strictly_valid(created)
        time.sleep(1.1)
        for video_id in (created["id"], failed["id"]):
            strictly_valid(http.get(f"videos/{video_id}").json())
        for item in http.get("videos").json()["data"]:
            strictly_valid(item)


def test_the_sdk_pages_through_the_list(sdk):
    for _ in range(3):
        sdk.videos.create(prompt=unique())
    page = sdk.videos.list(limit=2)
    assert len(page.data) == 2 and page.has_next_page()
    assert len(page.get_next_page().data) >= 1


@pytest.mark.parametrize(
    ("prompt", "error_class"),
    [
        ("[emulator:reject]", openai.BadRequestError),
        ("[emulator:429]", openai.RateLimitError),
        ("[emulator:500]", openai.InternalServerError),
    ],
)
def test_its_error_classes_come_out(sdk, prompt, error_class):
    with pytest.raises(error_class) as raised:
        sdk.videos.create(prompt=unique(prompt))
    assert raised.value.request_id.startswith("req_")


def test_an_invalid_size_is_a_bad_request_with_its_param(sdk):
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.videos.create(prompt=unique(), size="1024x1024")
    assert raised.value.param == "size" and raised.value.code == "invalid_value"


def test_an_unknown_id_is_not_found(sdk):
    with pytest.raises(openai.NotFoundError):
        sdk.videos.retrieve("video_nope")


def test_the_sdk_retries_a_429_by_itself(sora_emulator):
    with openai.OpenAI(api_key="sk", base_url=sora_emulator.base_url, max_retries=2) as sdk:
        assert sdk.videos.create(prompt=unique("[emulator:429]")).status == "queued"
