"""OpenRouter's video API under /api/v1: models, submit, poll, content, errors, markers."""

import io
import re
import time

import av
import httpx
import pytest

from sora_emulator import serve_in_thread
from sora_emulator.jobs import Received
from sora_emulator.tests.helpers import (
    client,
    create,
    openrouter_client,
    submit,
    unique,
    wait_until_ended,
)

VEO = {
    "google/veo-3.1": {
        "seconds": [4, 6, 8],
        "sizes": ["1280x720", "720x1280", "1920x1080"],
        "usd_per_second": {"1280x720": "0.40", "720x1280": "0.40", "1920x1080": 0.6},
        "frame_images": ["first_frame", "last_frame"],
        "name": "Google: Veo 3.1",
        "seed": True,
    },
    "wan/text-only": {"seconds": [5], "sizes": ["768x768"], "frame_images": []},
}


@pytest.fixture
def http(sora_emulator):
    with openrouter_client(sora_emulator.server) as http:
        yield http


@pytest.fixture(scope="module")
def veo(tmp_path_factory):
    server, _ = serve_in_thread(
        job_seconds=0.5, models=VEO, cache_dir=tmp_path_factory.mktemp("veo-cache")
    )
    with openrouter_client(server) as http:
        yield http
    server.stop()


def error_of(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == status
    return body["error"]["message"]


def test_the_model_list_shows_the_sora_catalog_with_prices_and_needs_no_key(sora_emulator):
    response = httpx.get(sora_emulator.server.openrouter_base_url + "/videos/models")
    assert response.status_code == 200
    sora, pro = response.json()["data"]
    assert (sora["id"], sora["canonical_slug"], sora["name"]) == (
        "sora-2",
        "sora-2",
        "OpenAI: Sora 2",
    )
    assert sora["supported_durations"] == [4, 8, 12]
    assert sora["supported_sizes"] == ["720x1280", "1280x720"]
    assert sora["supported_resolutions"] == ["720p"]
    assert sora["supported_aspect_ratios"] == ["9:16", "16:9"]
    assert sora["supported_frame_images"] == ["first_frame"]
    assert sora["pricing_skus"] == {"per-video-second": "0.10"}
    assert pro["supported_resolutions"] == ["720p", "1024p"]
    assert pro["pricing_skus"] == {"per-video-second": "0.30", "per-video-second-1024p": "0.50"}
    assert (pro["generate_audio"], pro["seed"], pro["allowed_passthrough_parameters"]) == (
        True,
        False,
        [],
    )


def test_a_configured_catalog_shows_its_prices_frames_and_names(veo):
    veo_31, wan = veo.get("videos/models").json()["data"]
    assert veo_31["name"] == "Google: Veo 3.1" and veo_31["seed"] is True
    assert veo_31["supported_resolutions"] == ["720p", "1080p"]
    assert veo_31["supported_aspect_ratios"] == ["16:9", "9:16"]
    assert veo_31["supported_frame_images"] == ["first_frame", "last_frame"]
    assert veo_31["pricing_skus"] == {
        "per-video-second": "0.40",
        "per-video-second-1080p": "0.60",
    }
    assert wan["name"] == "wan/text-only" and wan["supported_frame_images"] == []
    assert wan["pricing_skus"] == {"per-video-second": "0.10"}
    assert wan["supported_aspect_ratios"] == ["1:1"]


def test_a_job_goes_pending_in_progress_completed_with_its_cost(http):
    response = submit(http, model="sora-2-pro", duration=12, size="1792x1024")
    assert response.status_code == 202
    job = response.json()
    assert set(job) == {"id", "polling_url", "status", "generation_id"}
    assert re.fullmatch(r"gen-vid-\d+-[A-Za-z0-9]{20}", job["id"])
    assert job["status"] == "pending"
    assert job["polling_url"] == f"{http.base_url}videos/{job['id']}"
    seen = [job["status"]]
    deadline = time.monotonic() + 10
    while seen[-1] != "completed":
        assert time.monotonic() < deadline
        polled = httpx.get(job["polling_url"], headers=http.headers).json()
        if seen[-1] != polled["status"]:
            seen.append(polled["status"])
        time.sleep(0.05)
    assert seen == ["pending", "in_progress", "completed"]
    assert polled["generation_id"] == job["generation_id"]
    assert polled["usage"] == {"cost": 6.0, "is_byok": False}  # 0.50 USD/s x 12 s
    assert polled["unsigned_urls"] == [f"{job['polling_url']}/content?index=0"]
    assert "error" not in polled


@pytest.mark.parametrize(
    ("fields", "size"),
    [
        ({"aspect_ratio": "16:9"}, "1280x720"),
        ({"resolution": "1080p"}, "1920x1080"),
        ({"resolution": "720p", "aspect_ratio": "9:16"}, "720x1280"),
        ({"size": "1920x1080", "resolution": "1080p"}, "1920x1080"),
        ({}, "1280x720"),
    ],
)
def test_resolution_and_aspect_ratio_pick_the_size(veo, fields, size):
    job_id = submit(veo, model="google/veo-3.1", **fields).json()["id"]
    assert wait_until_ended(veo, job_id)["status"] == "completed"
    content = veo.get(f"videos/{job_id}/content", params={"index": 0})
    assert content.status_code == 200 and content.headers["content-type"] == "video/mp4"
    with av.open(io.BytesIO(content.content)) as container:
        stream = container.streams.video[0]
        assert f"{stream.width}x{stream.height}" == size
        assert container.duration / av.time_base == pytest.approx(4, abs=0.2)


def test_the_cost_is_the_price_of_the_size_times_the_duration(veo):
    job_id = submit(veo, model="google/veo-3.1", duration=6, resolution="1080p").json()["id"]
    assert wait_until_ended(veo, job_id)["usage"]["cost"] == pytest.approx(3.6)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"duration": 5}, "duration 5 is not supported by google/veo-3.1"),
        ({"duration": "4"}, "'duration' must be an integer"),
        ({"resolution": "480p"}, "resolution '480p' is not supported"),
        ({"aspect_ratio": "1:1"}, "aspect_ratio '1:1' is not supported"),
        ({"size": "1024x1024"}, "size '1024x1024' is not supported"),
        ({"size": "1280x720", "aspect_ratio": "9:16"}, "contradicts"),
        ({"resolution": "1080p", "aspect_ratio": "9:16"}, "has no 1080p size in 9:16"),
        ({"prompt": ""}, "'prompt' is required"),
        ({"prompt": None}, "'prompt' is required"),
        ({"model": None}, "'model' is required"),
        ({"callback_url": "ftp://example.com/hook"}, "'callback_url' must be an https URL"),
        ({"seed": "7"}, "'seed' must be an integer"),
        ({"prompt": "x" * 32001}, "too long"),
    ],
)
def test_values_outside_the_models_sets_are_a_400(veo, fields, words):
    fields = {"model": "google/veo-3.1", "prompt": unique(), **fields}
    fields = {key: value for key, value in fields.items() if value is not None}
    assert words in error_of(veo.post("videos", json=fields))


def test_an_unknown_model_is_a_404_naming_the_video_models(veo):
    message = error_of(submit(veo, model="sora-2"), 404)
    assert "'sora-2' does not exist" in message and "google/veo-3.1, wan/text-only" in message


def test_an_alias_is_accepted(http):
    assert submit(http, model="sora-2-2025-10-06").status_code == 202


def test_the_body_must_be_a_json_object(http):
    assert "JSON" in error_of(
        http.post("videos", content=b"{no", headers={"content-type": "application/json"})
    )
    assert "JSON object" in error_of(http.post("videos", json=["sora-2"]))
    assert "as JSON" in error_of(http.post("videos", data={"model": "sora-2"}))


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "videos"), ("GET", "videos/gen-vid-1-x"), ("GET", "videos/gen-vid-1-x/content")],
)
def test_every_call_but_the_model_list_needs_a_bearer_key(sora_emulator, method, path):
    url = f"{sora_emulator.server.openrouter_base_url}/{path}"
    for headers in ({}, {"authorization": "Basic a2V5"}, {"api-key": "k"}):
        response = httpx.request(method, url, json={"model": "sora-2"}, headers=headers)
        assert error_of(response, 401) == "No auth credentials found"


def test_content_is_409_before_completion_and_unknown_ids_404(http):
    job_id = submit(http).json()["id"]
    assert "is pending" in error_of(http.get(f"videos/{job_id}/content"), 409)
    assert "not found" in error_of(http.get("videos/gen-vid-1-nope"), 404)
    assert "not found" in error_of(http.get("videos/gen-vid-1-nope/content"), 404)
    wait_until_ended(http, job_id)
    assert "out of range" in error_of(http.get(f"videos/{job_id}/content", params={"index": 1}))


@pytest.mark.parametrize(
    ("marker", "status", "error"),
    [
        ("[emulator:fail]", "failed", "Video generation failed part-way (emulated failure)."),
        ("[emulator:cancel]", "cancelled", "Job was cancelled"),
        ("[emulator:expire]", "expired", "Job exceeded maximum time to live"),
    ],
)
def test_markers_end_jobs_failed_cancelled_or_expired(http, marker, status, error):
    job_id = submit(http, prompt=unique(f"a storm {marker}")).json()["id"]
    ended = wait_until_ended(http, job_id)
    assert (ended["status"], ended["error"]) == (status, error)
    assert "usage" not in ended and "unsigned_urls" not in ended
    content = http.get(f"videos/{job_id}/content")
    assert content.status_code == (410 if status == "expired" else 409)


@pytest.mark.parametrize(
    ("marker", "status", "again"),
    [
        ("[emulator:reject]", 400, 400),
        ("[emulator:402]", 402, 402),
        ("[emulator:429]", 429, 202),
        ("[emulator:500]", 500, 202),
    ],
)
def test_markers_refuse_a_submit(http, marker, status, again):
    prompt = unique(marker)
    first = submit(http, prompt=prompt)
    error_of(first, status)
    if status == 429:
        assert first.headers["retry-after"] == "1"
    assert submit(http, prompt=prompt).status_code == again


def test_it_keeps_what_the_submit_carried(sora_emulator, http):
    body = {
        "model": "sora-2",
        "prompt": unique(),
        "duration": 8,
        "aspect_ratio": "16:9",
        "resolution": "720p",
        "generate_audio": False,
        "provider": {"options": {"openai": {"x": 1}}},
    }
    job_id = http.post("videos", json=body).json()["id"]
    job = sora_emulator.server.store.find(job_id, protocol="openrouter")
    assert job.received == Received(
        prompt=body["prompt"],
        model="sora-2",
        seconds="8",
        size=None,
        auth="bearer",
        base_path="/api/v1",
        body=body,
    )
    assert (job.model, job.seconds, job.size, job.cost_usd) == ("sora-2", "8", "1280x720", "0.80")


def test_the_two_protocols_do_not_see_each_others_jobs(sora_emulator, http):
    openrouter_id = submit(http).json()["id"]
    with client(sora_emulator.base_url) as openai:
        openai_id = create(openai).json()["id"]
        assert openai.get(f"videos/{openrouter_id}").status_code == 404
        listed = [
            video["id"] for video in openai.get("videos", params={"limit": 100}).json()["data"]
        ]
        assert openai_id in listed and openrouter_id not in listed
    assert http.get(f"videos/{openai_id}").status_code == 404
