"""Each job keeps what its request carried, for the app's tests to check (`job.received`)."""

import httpx
import pytest

from sora_emulator.jobs import Received
from sora_emulator.tests.helpers import client, create, unique, wait_until_finished


@pytest.fixture
def store(sora_emulator):
    return sora_emulator.server.store


def test_it_keeps_the_fields_as_sent_with_bearer_auth_on_v1(sora_emulator, store):
    prompt = unique("A lighthouse\n\nStyle: neon, grain")
    with client(sora_emulator.base_url) as http:
        video = create(http, prompt=prompt, model="sora-2-pro", seconds="8", size="1792x1024")
    assert store.get(video.json()["id"]).received == Received(
        prompt=prompt,
        model="sora-2-pro",
        seconds="8",
        size="1792x1024",
        auth="bearer",
        base_path="/v1",
    )


def test_it_keeps_api_key_auth_on_the_azure_path(sora_emulator, store):
    with httpx.Client(headers={"api-key": "k"}) as http:
        response = http.post(
            sora_emulator.server.azure_base_url + "/videos",
            json={"prompt": unique(), "seconds": "4"},
        )
    received = store.get(response.json()["id"]).received
    assert (received.auth, received.base_path) == ("api-key", "/openai/v1")
    assert received.seconds == "4"


def test_omitted_fields_are_none_though_the_job_has_their_defaults(sora_emulator, store):
    with client(sora_emulator.base_url) as http:
        video_id = create(http).json()["id"]
    job = store.get(video_id)
    assert (job.received.model, job.received.seconds, job.received.size) == (None, None, None)
    assert (job.model, job.seconds, job.size) == ("sora-2", "4", "720x1280")


def test_both_auth_headers_are_noted_as_both(sora_emulator, store):
    with client(sora_emulator.base_url) as http:
        response = http.post("videos", json={"prompt": unique()}, headers={"api-key": "k"})
    assert store.get(response.json()["id"]).received.auth == "both"


def test_a_remix_keeps_its_own_prompt_and_no_model_seconds_or_size(sora_emulator, store):
    with client(sora_emulator.base_url) as http:
        source_id = create(http, model="sora-2-pro").json()["id"]
        wait_until_finished(http, source_id)
        prompt = unique("now at night")
        remix_id = http.post(f"videos/{source_id}/remix", json={"prompt": prompt}).json()["id"]
    assert store.get(remix_id).received == Received(
        prompt=prompt, model=None, seconds=None, size=None, auth="bearer", base_path="/v1"
    )
    assert store.get(remix_id).model == "sora-2-pro"
