import io

import av
import pytest

from sora_emulator.tests.helpers import client, create, wait_until_finished


@pytest.fixture
def http(sora_emulator):
    with client(sora_emulator.base_url) as http:
        yield http


def finished_video(http, **fields) -> str:
    video_id = create(http, **fields).json()["id"]
    assert wait_until_finished(http, video_id)["status"] == "completed"
    return video_id


@pytest.mark.parametrize(
    ("model", "size", "seconds"),
    [("sora-2", "1280x720", "4"), ("sora-2-pro", "1024x1792", "8")],
)
def test_the_video_is_an_h264_mp4_of_the_ordered_size_and_length(http, model, size, seconds):
    video_id = finished_video(http, model=model, size=size, seconds=seconds)
    response = http.get(f"videos/{video_id}/content")
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["transfer-encoding"] == "chunked"
    with av.open(io.BytesIO(response.content)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert f"{stream.width}x{stream.height}" == size
        assert container.duration / av.time_base == pytest.approx(int(seconds), abs=0.2)
        assert sum(1 for _ in container.decode(stream)) == stream.frames


def test_the_same_prompt_gives_the_same_bytes(http):
    prompt = "the same harbour every time"
    first = http.get(f"videos/{finished_video(http, prompt=prompt)}/content").content
    second = http.get(f"videos/{finished_video(http, prompt=prompt)}/content").content
    assert first == second


@pytest.mark.parametrize(
    ("variant", "content_type", "codec"),
    [("thumbnail", "image/webp", "webp"), ("spritesheet", "image/jpeg", "mjpeg")],
)
def test_image_variants_decode(http, variant, content_type, codec):
    video_id = finished_video(http, size="1280x720")
    response = http.get(f"videos/{video_id}/content", params={"variant": variant})
    assert response.headers["content-type"] == content_type
    with av.open(io.BytesIO(response.content)) as container:
        frame = next(container.decode(video=0))
        assert container.streams.video[0].codec_context.name == codec
    assert frame.width > 0 and frame.height > 0


def test_an_unknown_variant_is_a_400(http):
    video_id = finished_video(http)
    response = http.get(f"videos/{video_id}/content", params={"variant": "gif"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "variant"
