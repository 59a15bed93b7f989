"""Every route is served under /openai/v1 too, as Azure OpenAI's v1 API does."""

import io

import av
import httpx
import openai
import pytest

from sora_emulator.tests.helpers import create, unique, wait_until_finished

pytestmark = pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")


@pytest.fixture
def azure(sora_emulator):
    """A client of the Azure-style base URL that authenticates with an api-key header."""
    base_url = sora_emulator.server.azure_base_url
    with httpx.Client(base_url=base_url + "/", headers={"api-key": "k"}, timeout=10) as http:
        yield http


def test_its_base_url_is_beside_the_openai_one(sora_emulator):
    server = sora_emulator.server
    assert server.azure_base_url == server.base_url.removesuffix("/v1") + "/openai/v1"


def test_every_route_answers_under_openai_v1(azure):
    created = create(azure, size="1280x720")
    assert created.status_code == 200
    video_id = created.json()["id"]
    assert wait_until_finished(azure, video_id)["status"] == "completed"
    assert video_id in [video["id"] for video in azure.get("videos?limit=100").json()["data"]]
    content = azure.get(f"videos/{video_id}/content")
    with av.open(io.BytesIO(content.content)) as container:
        assert container.streams.video[0].width == 1280
    remix = azure.post(f"videos/{video_id}/remix", json={"prompt": unique()})
    assert remix.json()["remixed_from_video_id"] == video_id
    assert azure.delete(f"videos/{video_id}").json()["deleted"] is True
    assert azure.get(f"videos/{video_id}").status_code == 404


def test_both_paths_share_one_set_of_jobs(sora_emulator, azure):
    with httpx.Client(base_url=sora_emulator.base_url + "/", headers={"api-key": "k"}) as openai_:
        video_id = create(openai_).json()["id"]
    assert azure.get(f"videos/{video_id}").json()["id"] == video_id


def test_the_openai_sdk_works_against_the_azure_path(sora_emulator):
    base_url = sora_emulator.server.azure_base_url
    with openai.OpenAI(api_key="k", base_url=base_url, max_retries=0) as sdk:
        video = sdk.videos.create(prompt=unique(), seconds="4", size="720x1280")
        assert sdk.videos.retrieve(video.id).id == video.id


def test_an_unknown_prefix_is_a_404(sora_emulator, azure):
    response = azure.get(sora_emulator.server.azure_base_url.replace("/v1", "/v2") + "/videos")
    assert response.status_code == 404
    assert "message" in response.json()["error"]


def test_it_still_requires_some_key(sora_emulator):
    response = httpx.post(sora_emulator.server.azure_base_url + "/videos", json={"prompt": "a"})
    assert response.status_code == 401
