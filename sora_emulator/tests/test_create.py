import httpx
import pytest

from sora_emulator.tests.helpers import client, create, unique


@pytest.fixture
def http(sora_emulator):
    with client(sora_emulator.base_url) as http:
        yield http


def error_of(response):
    return response.json()["error"]


def test_it_creates_a_queued_video_with_defaults(http):
    response = create(http, prompt="a red kite over hills")
    assert response.status_code == 200
    video = response.json()
    assert video["id"].startswith("video_")
    assert video["object"] == "video"
    assert (video["model"], video["seconds"], video["size"]) == ("sora-2", "4", "720x1280")
    assert video["status"] == "queued"
    assert video["completed_at"] is None and video["expires_at"] is None
    assert response.headers["x-request-id"].startswith("req_")


def test_it_accepts_json_bodies(http):
    response = http.post("videos", json={"prompt": unique(), "seconds": "8", "size": "1280x720"})
    assert response.status_code == 200
    assert response.json()["seconds"] == "8"


def test_it_refuses_an_integer_seconds(http):
    response = http.post("videos", json={"prompt": unique(), "seconds": 4})
    assert response.status_code == 400
    assert error_of(response)["param"] == "seconds"
    assert error_of(response)["code"] == "invalid_type"


@pytest.mark.parametrize("seconds", ["5", "0", "four", "16"])
def test_it_refuses_unsupported_seconds(http, seconds):
    response = create(http, seconds=seconds)
    assert response.status_code == 400
    assert (error_of(response)["param"], error_of(response)["code"]) == ("seconds", "invalid_value")


def test_it_refuses_a_square_size_with_the_documented_message(http):
    response = create(http, size="1024x1024")
    assert response.status_code == 400
    assert error_of(response) == {
        "message": "Invalid value: '1024x1024'. Supported values are: '720x1280', "
        "'1280x720', '1024x1792', and '1792x1024'.",
        "type": "invalid_request_error",
        "param": "size",
        "code": "invalid_value",
    }


def test_it_keeps_tall_sizes_for_sora_2_pro(http):
    assert create(http, model="sora-2", size="1792x1024").status_code == 400
    assert create(http, model="sora-2-pro", size="1792x1024").status_code == 200


def test_it_refuses_an_unknown_model(http):
    response = create(http, model="sora-3")
    assert response.status_code == 400
    assert error_of(response)["param"] == "model"


@pytest.mark.parametrize(
    ("prompt", "code"),
    [("", "empty_string"), ("x" * 32001, "string_above_max_length")],
)
def test_it_checks_the_prompt_length(http, prompt, code):
    response = create(http, prompt=prompt)
    assert response.status_code == 400
    assert error_of(response)["code"] == code


def test_it_accepts_the_longest_prompt(http):
    assert create(http, prompt="y" * 32000).status_code == 200


def test_it_requires_a_prompt(http):
    response = http.post("videos", files={"seconds": (None, "4")})
    assert error_of(response)["code"] == "missing_required_parameter"


def test_an_input_reference_that_is_no_picture_is_refused(http):
    response = http.post(
        "videos",
        files={"prompt": (None, unique()), "input_reference": ("ref.png", b"\x89PNG", "image/png")},
    )
    error = error_of(response)
    assert (error["param"], error["code"]) == ("input_reference", "invalid_image")


def test_it_requires_some_api_key(sora_emulator):
    response = httpx.post(sora_emulator.base_url + "/videos", json={"prompt": "a"})
    assert response.status_code == 401
    azure = httpx.post(
        sora_emulator.base_url + "/videos", json={"prompt": unique()}, headers={"api-key": "k"}
    )
    assert azure.status_code == 200


def test_it_rejects_a_prompt_that_asks_for_it(http):
    response = create(http, prompt=unique("[emulator:reject] a riot"))
    assert response.status_code == 400
    assert error_of(response)["code"] == "moderation_blocked"


def test_it_rate_limits_only_the_first_attempt_of_a_prompt(http):
    prompt = unique("[emulator:429] busy")
    first = create(http, prompt=prompt)
    assert first.status_code == 429
    assert first.headers["retry-after"] == "1"
    assert create(http, prompt=prompt).status_code == 200


def test_it_fails_only_the_first_attempt_of_a_500_prompt(http):
    prompt = unique("[emulator:500] flaky")
    assert create(http, prompt=prompt).status_code == 500
    assert create(http, prompt=prompt).status_code == 200


def test_unknown_paths_are_openai_shaped_404s(http):
    response = http.get("nothing/here")
    assert response.status_code == 404
    assert "message" in error_of(response)
