"""Orders are checked against the configured catalog, and its videos are real."""

import io

import av
import pytest

from sora_emulator import serve_in_thread
from sora_emulator.tests.helpers import client, create, unique, wait_until_finished

VEO = {"veo-3.1-fast": {"seconds": ["5", "10"], "sizes": ["1344x768", "768x1344", "768x768"]}}


@pytest.fixture(scope="module")
def veo(tmp_path_factory):
    """An emulator that offers only veo-3.1-fast."""
    server, base_url = serve_in_thread(
        job_seconds=0.5, models=VEO, cache_dir=tmp_path_factory.mktemp("veo-cache")
    )
    with client(base_url) as http:
        yield http
    server.stop()


@pytest.fixture
def sora(sora_emulator):
    with client(sora_emulator.base_url) as http:
        yield http


def error_of(response) -> dict:
    assert response.status_code == 400
    return response.json()["error"]


def test_omitted_fields_take_the_first_model_and_its_first_values(veo):
    video = create(veo).json()
    assert (video["model"], video["seconds"], video["size"]) == ("veo-3.1-fast", "5", "1344x768")


@pytest.mark.parametrize(("size", "seconds"), [("768x768", "5"), ("768x1344", "10")])
def test_it_makes_a_real_mp4_of_a_configured_size_and_length(veo, size, seconds):
    video_id = create(veo, model="veo-3.1-fast", seconds=seconds, size=size).json()["id"]
    assert wait_until_finished(veo, video_id)["status"] == "completed"
    response = veo.get(f"videos/{video_id}/content")
    assert response.headers["content-type"] == "video/mp4"
    with av.open(io.BytesIO(response.content)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert f"{stream.width}x{stream.height}" == size
        assert container.duration / av.time_base == pytest.approx(int(seconds), abs=0.2)
    thumbnail = veo.get(f"videos/{video_id}/content", params={"variant": "thumbnail"})
    assert thumbnail.status_code == 200 and thumbnail.content[:4] == b"RIFF"


def test_sora_is_unknown_to_a_veo_catalog(veo):
    assert error_of(create(veo, model="sora-2")) == {
        "message": "Invalid value: 'sora-2'. Supported values are: 'veo-3.1-fast'.",
        "type": "invalid_request_error",
        "param": "model",
        "code": "invalid_value",
    }


def test_it_refuses_seconds_the_catalog_lacks(veo):
    error = error_of(create(veo, seconds="4"))
    assert (error["param"], error["code"]) == ("seconds", "invalid_value")
    assert error["message"] == "Invalid value: '4'. Supported values are: '5' and '10'."


def test_it_refuses_an_integer_seconds_naming_the_models_values(veo):
    error = error_of(veo.post("videos", json={"prompt": unique(), "seconds": 5}))
    assert (error["param"], error["code"]) == ("seconds", "invalid_type")
    assert "'5' and '10'" in error["message"]


def test_it_refuses_sizes_the_catalog_lacks(veo):
    error = error_of(create(veo, size="1280x720"))
    assert error["param"] == "size"
    assert error["message"] == (
        "Invalid value: '1280x720'. Supported values are: '1344x768', '768x1344', and '768x768'."
    )


def test_sora_2_sends_the_pro_sizes_to_sora_2_pro_as_before(sora):
    assert error_of(create(sora, model="sora-2", size="1792x1024")) == {
        "message": "Invalid value: '1792x1024'. Supported values for model 'sora-2' are: "
        "'720x1280' and '1280x720'; '1024x1792' and '1792x1024' need sora-2-pro.",
        "type": "invalid_request_error",
        "param": "size",
        "code": "invalid_value",
    }


def test_a_dated_snapshot_is_accepted_with_its_models_offer(sora):
    video = create(sora, model="sora-2-pro-2025-10-06", size="1792x1024").json()
    assert (video["model"], video["size"]) == ("sora-2-pro-2025-10-06", "1792x1024")
    error = error_of(create(sora, model="sora-2-2025-10-06", size="1792x1024"))
    assert "for model 'sora-2-2025-10-06'" in error["message"]


def test_a_value_only_another_model_offers_names_that_model(tmp_path):
    both = {
        "sora-2": {"seconds": ["4", "8", "12"], "sizes": ["720x1280", "1280x720"]},
        **VEO,
    }
    server, base_url = serve_in_thread(job_seconds=0.5, models=both, cache_dir=tmp_path)
    try:
        with client(base_url) as http:
            sizes = error_of(create(http, size="768x768"))
            seconds = error_of(create(http, seconds="5"))
            veo_video = create(http, model="veo-3.1-fast").json()
    finally:
        server.stop()
    assert sizes["message"] == (
        "Invalid value: '768x768'. Supported values for model 'sora-2' are: '720x1280' and "
        "'1280x720'; '1344x768', '768x1344', and '768x768' need veo-3.1-fast."
    )
    assert seconds["message"] == (
        "Invalid value: '5'. Supported values for model 'sora-2' are: '4', '8', and '12'; "
        "'5' and '10' need veo-3.1-fast."
    )
    assert (veo_video["seconds"], veo_video["size"]) == ("5", "1344x768")


def test_a_remix_keeps_its_sources_model_seconds_and_size(veo):
    source = create(veo, seconds="10", size="768x768").json()
    wait_until_finished(veo, source["id"])
    remix = veo.post(f"videos/{source['id']}/remix", json={"prompt": unique()}).json()
    assert (remix["model"], remix["seconds"], remix["size"]) == ("veo-3.1-fast", "10", "768x768")
