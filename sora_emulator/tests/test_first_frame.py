"""A video ordered from a picture starts on it, on both protocols (issue 24, item 6)."""

import base64
import hashlib
import io
from fractions import Fraction

import av
import pytest
from openrouter import OpenRouter

from sora_emulator import serve_in_thread
from sora_emulator.tests.helpers import (
    client,
    openrouter_client,
    submit,
    unique,
    wait_until_ended,
    wait_until_finished,
)

MODELS = {
    "pic": {"seconds": [1, 2], "sizes": ["320x240", "240x320"]},
    "both-ends": {
        "seconds": [1],
        "sizes": ["320x240"],
        "frame_images": ["first_frame", "last_frame"],
    },
    "text-only": {"seconds": [1], "sizes": ["320x240"], "frame_images": []},
}
# Mean absolute difference per RGB byte between the picture and the decoded first frame:
# H.264 at crf 30 keeps a smooth picture within a few levels; another one is ~30 away.
CLOSE = 6


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    server, _ = serve_in_thread(
        job_seconds=0.5, models=MODELS, cache_dir=tmp_path_factory.mktemp("pictures")
    )
    yield server
    server.stop()


def rgb(width: int, height: int, seed: int = 0) -> bytes:
    """A smooth picture: red across (the other way for odd seeds), green down, blue from
    the seed; kept within 40-215 so that YUV 4:2:0 does not clip it."""
    blue = 60 + (seed * 37) % 130

    def red(x: int) -> int:
        return 40 + (width - 1 - x if seed % 2 else x) * 175 // width

    return b"".join(
        bytes(value for x in range(width) for value in (red(x), 40 + y * 175 // height, blue))
        for y in range(height)
    )


def encode(width: int, height: int, codec: str = "png", seed: int = 0) -> bytes:
    """The picture as PNG, JPEG (mjpeg) or WebP bytes, made with PyAV."""
    frame = av.VideoFrame(width, height, "rgb24")
    plane = frame.planes[0]
    data = rgb(width, height, seed)
    pad = bytes(plane.line_size - width * 3)
    plane.update(
        b"".join(data[row * width * 3 : (row + 1) * width * 3] + pad for row in range(height))
    )
    formats = {"png": ("image2pipe", "rgb24"), "mjpeg": ("image2pipe", "yuvj420p")}
    fmt, pix_fmt = formats.get(codec, ("webp", "yuv420p"))
    output = io.BytesIO()
    with av.open(output, "w", format=fmt) as container:
        stream = container.add_stream(codec if codec != "webp" else "libwebp", rate=1)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        frame = frame.reformat(format=pix_fmt)
        frame.pts, frame.time_base = 0, Fraction(1, 1)
        container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return output.getvalue()


def pixels(frame: av.VideoFrame) -> bytes:
    frame = frame.reformat(format="rgb24")
    plane = frame.planes[0]
    raw = bytes(plane)
    row = frame.width * 3
    return b"".join(
        raw[y * plane.line_size : y * plane.line_size + row] for y in range(frame.height)
    )


def difference(first: bytes, second: bytes) -> float:
    assert len(first) == len(second)
    return sum(abs(a - b) for a, b in zip(first, second, strict=True)) / len(first)


def changed(first: bytes, second: bytes) -> float:
    """The share of bytes more than 40 levels apart."""
    return sum(abs(a - b) > 40 for a, b in zip(first, second, strict=True)) / len(first)


def frames_of(mp4: bytes) -> list[bytes]:
    with av.open(io.BytesIO(mp4)) as container:
        return [pixels(frame) for frame in container.decode(video=0)]


def data_url(picture: bytes, kind: str = "png") -> str:
    return f"data:image/{kind};base64,{base64.b64encode(picture).decode()}"


def first_frame(url: str, frame_type: str = "first_frame") -> list[dict]:
    return [{"type": "image_url", "image_url": {"url": url}, "frame_type": frame_type}]


# The OpenAI protocol: input_reference, multipart
def openai_create(http, picture: bytes, **fields):
    form = {name: (None, value) for name, value in fields.items()}
    form.setdefault("prompt", (None, unique()))
    return http.post(
        "videos", files={**form, "input_reference": ("photo.png", picture, "image/png")}
    )


@pytest.mark.parametrize("codec", ["png", "mjpeg", "webp"])
def test_an_input_reference_is_the_first_frame(emulator, codec):
    picture = encode(320, 240, codec)
    with client(emulator.base_url) as http:
        # A fixed prompt: the box's colours, which come from it, stay the same run to run.
        video = openai_create(
            http, picture, model="pic", size="320x240", seconds="1", prompt="a red kite"
        ).json()
        assert wait_until_finished(http, video["id"])["status"] == "completed"
        frames = frames_of(http.get(f"videos/{video['id']}/content").content)
    expected = rgb(320, 240)
    assert difference(frames[0], expected) < CLOSE
    # Then the moving box (a 16th of the frame) plays over the picture.
    assert changed(frames[0], expected) < 0.005
    assert changed(frames[-1], expected) > 0.01
    received = emulator.store.get(video["id"]).received
    assert received.image == hashlib.sha256(picture).hexdigest()


def test_another_picture_gives_another_first_frame(emulator):
    with client(emulator.base_url) as http:
        video = openai_create(http, encode(320, 240, seed=1), model="pic", size="320x240").json()
        wait_until_finished(http, video["id"])
        first = frames_of(http.get(f"videos/{video['id']}/content").content)[0]
    assert difference(first, rgb(320, 240, seed=1)) < CLOSE
    assert difference(first, rgb(320, 240, seed=0)) > 20


def test_an_input_reference_of_another_size_is_refused_as_openai_does(emulator):
    with client(emulator.base_url) as http:
        response = openai_create(http, encode(240, 320), model="pic", size="320x240")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": "Inpaint image must match the requested width and height",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_a_model_without_frame_images_refuses_an_input_reference(emulator):
    with client(emulator.base_url) as http:
        response = openai_create(http, encode(320, 240), model="text-only")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "input_reference"


# The OpenRouter protocol: frame_images with a data: URL
@pytest.mark.parametrize(("codec", "kind"), [("png", "png"), ("mjpeg", "jpeg"), ("webp", "webp")])
def test_a_first_frame_data_url_is_the_first_frame(emulator, codec, kind):
    picture = encode(240, 320, codec)
    with openrouter_client(emulator) as http:
        job = submit(
            http, model="pic", size="240x320", frame_images=first_frame(data_url(picture, kind))
        ).json()
        assert wait_until_ended(http, job["id"])["status"] == "completed"
        frames = frames_of(http.get(f"videos/{job['id']}/content").content)
    assert difference(frames[0], rgb(240, 320)) < CLOSE
    received = emulator.store.find(job["id"], "openrouter").received
    digest = hashlib.sha256(picture).hexdigest()
    assert received.image == digest
    shown = received.body["frame_images"][0]["image_url"]["url"]
    assert shown == f"data:image/{kind};base64,<{len(picture)} bytes sha256 {digest}>"


def test_a_picture_of_another_size_is_scaled_to_the_video(emulator):
    with openrouter_client(emulator) as http:
        url = data_url(encode(160, 120))
        job = submit(http, model="pic", size="320x240", frame_images=first_frame(url)).json()
        wait_until_ended(http, job["id"])
        first = frames_of(http.get(f"videos/{job['id']}/content").content)[0]
    assert difference(first, rgb(320, 240)) < CLOSE


def test_frame_images_alone_need_no_prompt(emulator):
    with openrouter_client(emulator) as http:
        response = http.post(
            "videos",
            json={"model": "pic", "frame_images": first_frame(data_url(encode(320, 240)))},
        )
    assert response.status_code == 202


def test_a_last_frame_is_taken_where_the_model_lists_it(emulator):
    both = first_frame(data_url(encode(320, 240))) + first_frame(
        data_url(encode(320, 240, seed=2)), "last_frame"
    )
    with openrouter_client(emulator) as http:
        assert submit(http, model="both-ends", frame_images=both).status_code == 202
        refused = submit(http, model="pic", frame_images=both)
    assert refused.status_code == 400
    assert "does not support frame_type 'last_frame'" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("model", "frame_images", "words"),
    [
        ("text-only", first_frame("data:image/png;base64,AAAA"), "text-only does not support"),
        ("pic", first_frame("https://example.com/a.png"), "cannot fetch image URLs"),
        ("pic", first_frame("data:image/png;base64,%%%"), "not valid base64"),
        ("pic", first_frame(data_url(b"just text")), "not a PNG, JPEG or WebP picture"),
        ("pic", first_frame("data:text/plain;base64,AAAA"), "cannot fetch image URLs"),
        ("pic", [{"image_url": {"url": "x"}}], "must be {'type': 'image_url'"),
        ("pic", "not a list", "'frame_images' must be a list"),
        ("pic", first_frame("x") * 2, "cannot fetch"),
    ],
)
def test_bad_frame_images_are_a_400_with_the_reason(emulator, model, frame_images, words):
    with openrouter_client(emulator) as http:
        response = submit(http, model=model, frame_images=frame_images)
    assert response.status_code == 400
    assert words in response.json()["error"]["message"]


def test_the_sdk_sends_a_first_frame_that_reaches_the_video(emulator):
    with OpenRouter(api_key="sk-or", server_url=emulator.openrouter_base_url) as sdk:
        job = sdk.video_generation.generate(
            model="pic",
            prompt=unique(),
            duration=1,
            size="320x240",
            frame_images=[
                {
                    "type": "image_url",
                    "image_url": {"url": data_url(encode(320, 240, seed=3))},
                    "frame_type": "first_frame",
                }
            ],
        )
        with openrouter_client(emulator) as http:
            assert wait_until_ended(http, job.id)["status"] == "completed"
        mp4 = sdk.video_generation.get_video_content(job_id=job.id).read()
    assert difference(frames_of(mp4)[0], rgb(320, 240, seed=3)) < CLOSE
