"""Starting a video from a picture (issue 24), over HTTP against the emulator on both
protocols: the stored MP4's first frame is the uploaded photo, fitted to the video's size,
or the last frame of the video it continues; bad pictures are refused before any credit
moves."""

import hashlib
import io
import struct
import zlib

import av
import httpx
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from catalog.models import CatalogModel, Protocol
from catalog.services import SizePrice, put_endpoint, put_model
from sora_emulator import serve_in_thread
from testing import api_for, available, entries_of, order, person, pull_until_finished
from videos.models import VideoJob
from videos.provider import reset_provider
from videos.tests import test_s3

# moto's S3 server and the storage settings pointing at it, as test_s3 has them.
s3_endpoint, s3_storage = test_s3.s3_endpoint, test_s3.s3_storage

pytestmark = pytest.mark.django_db

KEY_ENV = "STORYCRAFT_TEST_PICTURE_KEY"
# The emulator's models: "pic" starts from a first frame, "text-only" takes none.
EMULATOR_MODELS = {
    "pic": {"seconds": [1, 2], "sizes": ["320x240", "240x320"]},
    "text-only": {"seconds": [1], "sizes": ["320x240"], "frame_images": []},
}
# Catalog model per protocol, each on its own endpoint at the emulator.
MODELS = {"openai": "pic-openai", "openrouter": "pic-openrouter"}
WORDS_ONLY = "words-only"
# Mean absolute difference per RGB byte: H.264 keeps a smooth picture within a few levels
# (the emulator's own test uses the same bound); a squashed or uncropped one is far off.
CLOSE = 6


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    server, _ = serve_in_thread(
        job_seconds=0.5, models=EMULATOR_MODELS, cache_dir=tmp_path_factory.mktemp("pictures")
    )
    yield server
    server.stop()


@pytest.fixture
def pictures_catalog(emulator, monkeypatch):
    """Both protocols' endpoints at the emulator, and a model on each that takes pictures."""
    monkeypatch.setenv(KEY_ENV, "sk-test")
    for protocol, base_url in (
        (Protocol.OPENAI, emulator.base_url),
        (Protocol.OPENROUTER, emulator.openrouter_base_url),
    ):
        put_endpoint(
            name=f"pics-{protocol}",
            protocol=protocol,
            base_url=base_url,
            auth_style="bearer",
            api_key_env=KEY_ENV,
        )
    sizes = [SizePrice("320x240", 5, "4:3"), SizePrice("240x320", 5, "3:4")]
    for protocol, model_id in MODELS.items():
        put_model(
            model_id=model_id,
            endpoint=f"pics-{protocol}",
            upstream_model="pic",
            durations=[1, 2],
            sizes=sizes,
            image_input=True,
        )
    put_model(
        model_id=WORDS_ONLY,
        endpoint="pics-openai",
        upstream_model="text-only",
        durations=[1],
        sizes=sizes[:1],
    )
    reset_provider()
    yield emulator
    reset_provider()


def gradient(width: int, height: int, seed: int = 0) -> Image.Image:
    """A smooth picture (red across, green down, blue from the seed) within 40-215, so
    that neither H.264 nor YUV 4:2:0 clips it."""
    across = Image.linear_gradient("L").rotate(90).resize((width, height))
    if seed % 2:
        across = across.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    down = Image.linear_gradient("L").resize((width, height))
    squeeze = lambda value: 40 + value * 175 // 255  # noqa: E731
    blue = Image.new("L", (width, height), 60 + (seed * 37) % 130)
    return Image.merge("RGB", (across.point(squeeze), down.point(squeeze), blue))


def encoded(image: Image.Image, kind: str = "PNG") -> bytes:
    output = io.BytesIO()
    image.save(output, format=kind, quality=95) if kind != "PNG" else image.save(output, kind)
    return output.getvalue()


def upload(data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def order_with(client, *, protocol: str = "openai", key: str | None = None, **fields):
    body = {"prompt": "a kite over the dunes", "seconds": 1, "size": "320x240"}
    body.update(model=MODELS[protocol], **fields)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/videos", body, format="multipart", **headers)


def difference(first: Image.Image, second: Image.Image) -> float:
    one, two = first.convert("RGB").tobytes(), second.convert("RGB").tobytes()
    assert len(one) == len(two)
    return sum(abs(a - b) for a, b in zip(one, two, strict=True)) / len(one)


def frames(job: VideoJob) -> list[Image.Image]:
    with default_storage.open(job.file.name) as handle, av.open(handle) as container:
        return [frame.to_image() for frame in container.decode(video=0)]


def finished(client, created) -> VideoJob:
    assert created.status_code == 201, created.json()
    return completed(client, created.json()["id"])


def completed(client, job_id) -> VideoJob:
    done = pull_until_finished(client, job_id)
    assert (done["status"], done["charge_status"]) == ("completed", "settled"), done
    return VideoJob.objects.get(pk=done["id"])


def received_image(emulator, job: VideoJob, protocol: str) -> str | None:
    return emulator.store.find(job.provider_video_id, protocol).received.image


def nothing_held(user, credits: int) -> None:
    assert available(user) == credits
    assert entries_of(user, "hold") == []
    assert not VideoJob.objects.filter(owner=user).exists()
    folder = f"videos/{user.pk}"
    assert not default_storage.exists(folder) or default_storage.listdir(folder) == ([], [])


# --- Orders with a photo -------------------------------------------------------------


@pytest.mark.parametrize(("protocol", "kind"), [("openai", "PNG"), ("openrouter", "JPEG")])
def test_an_uploaded_photo_is_the_first_frame_fitted_to_the_video(pictures_catalog, protocol, kind):
    alice = person("alice", credits=100)
    client = api_for(alice)
    # Twice as wide as the video: scaled to its height, then the middle half is kept (the
    # coloured outer quarters are cut off).
    photo = gradient(640, 240)
    photo.paste((200, 60, 60), (0, 0, 160, 240))
    photo.paste((60, 60, 200), (480, 0, 640, 240))
    created = order_with(
        client, protocol=protocol, image=upload(encoded(photo, kind), f"photo.{kind.lower()}")
    )
    body = created.json()
    assert body["input_image_url"] and body["image_from_video"] is None
    assert available(alice) == 100 - 5

    job = finished(client, created)

    assert job.input_image.name == f"videos/{alice.pk}/{job.id}-input.png"
    expected = photo.crop((160, 0, 480, 240))
    first = frames(job)[0]
    assert first.size == (320, 240)
    assert difference(first, expected) < CLOSE
    # Squashing the whole photo into the frame instead would be far off.
    assert difference(first, photo.resize((320, 240))) > 5 * CLOSE
    sent = default_storage.open(job.input_image.name).read()
    assert received_image(pictures_catalog, job, protocol) == hashlib.sha256(sent).hexdigest()


def test_the_input_image_link_opens_the_fitted_png_and_text_orders_have_none(pictures_catalog):
    alice = person("alice", credits=100)
    client = api_for(alice)
    created = order_with(client, image=upload(encoded(gradient(200, 300))), size="240x320")
    link = created.json()["input_image_url"]

    picture = api_for(person("bob")).get(link)  # bob holds the link, not the job
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(picture.streaming_content)))
    assert (image.format, image.size) == ("PNG", (240, 320))
    tampered = client.get(link.replace("signature=", "signature=x"))
    assert tampered.status_code == 403

    text = order(client, model=MODELS["openai"], seconds=1, size="320x240").json()
    assert text["input_image_url"] is None and text["image_from_video"] is None
    assert client.get(f"/videos/{text['id']}/input-image").status_code == 404


@pytest.mark.parametrize("protocol", ["openai", "openrouter"])
def test_a_continuation_starts_on_the_last_frame_of_the_video(pictures_catalog, protocol):
    alice = person("alice", credits=100)
    client = api_for(alice)
    first = finished(
        client,
        order_with(client, protocol=protocol, image=upload(encoded(gradient(320, 240, seed=1)))),
    )
    last_frame = frames(first)[-1]

    created = client.post(
        "/videos",
        {
            "prompt": "the kite lands",
            "seconds": 2,
            "format": "4:3",
            "model": MODELS[protocol],
            "image_from_video": str(first.id),
        },
        format="json",
    )
    assert created.json()["image_from_video"] == str(first.id)
    second = finished(client, created)

    assert second.image_from_video_id == first.id
    start = frames(second)[0]
    assert difference(start, last_frame) < CLOSE
    # The box the emulator draws has moved: it starts where the first video ended, not
    # where that one began.
    assert difference(start, last_frame) < difference(start, frames(first)[0])


def test_a_continuation_fits_the_last_frame_to_another_size(pictures_catalog):
    alice = person("alice", credits=100)
    client = api_for(alice)
    first = finished(client, order_with(client, image=upload(encoded(gradient(320, 240)))))
    created = order_with(client, image_from_video=str(first.id), size="240x320")
    second = finished(client, created)
    expected = frames(first)[-1].resize((427, 320)).crop((93, 0, 333, 320))
    assert difference(frames(second)[0], expected) < CLOSE


def test_only_your_own_completed_video_can_be_continued(pictures_catalog):
    alice, bob = person("alice", credits=100), person("bob", credits=100)
    running = order_with(api_for(alice), image=upload(encoded(gradient(320, 240)))).json()

    theirs = order_with(api_for(bob), image_from_video=running["id"])
    assert theirs.status_code == 404 and theirs.json()["code"] == "not_found"
    unfinished = order_with(api_for(alice), image_from_video=running["id"])
    assert unfinished.status_code == 409 and unfinished.json()["code"] == "not_ready"
    assert available(bob) == 100 and available(alice) == 95


@pytest.mark.parametrize("protocol", ["openai", "openrouter"])
def test_a_picture_the_provider_refuses_fails_the_order_and_releases_the_credits(
    pictures_catalog, protocol
):
    # The catalog says yes, the provider's model takes no picture: its 400 is the answer.
    put_model(
        model_id="says-yes",
        endpoint=f"pics-{protocol}",
        upstream_model="text-only",
        durations=[1],
        sizes=[SizePrice("320x240", 5, "4:3")],
        image_input=True,
    )
    alice = person("alice", credits=100)
    response = api_for(alice).post(
        "/videos",
        {
            "prompt": "x",
            "seconds": 1,
            "model": "says-yes",
            "image": upload(encoded(gradient(320, 240))),
        },
        format="multipart",
    )
    assert response.status_code == 422 and response.json()["code"] == "provider_rejected"
    job = VideoJob.objects.get(owner=alice)
    assert (job.status, job.charge_status) == ("failed", "refunded")
    assert available(alice) == 100


def test_a_picture_order_is_cancelled_and_refunded_like_any_other(pictures_catalog):
    alice = person("alice", credits=100)
    client = api_for(alice)
    created = order_with(
        client, image=upload(encoded(gradient(320, 240))), prompt="[emulator:slow]"
    )
    cancelled = client.post(f"/videos/{created.json()['id']}/cancel")
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["charge_status"]) == (
        "cancelled",
        "refunded",
    )
    assert cancelled.json()["input_image_url"]
    assert available(alice) == 100


# --- Refused before any credit moves -----------------------------------------------


def png_bomb(side: int) -> bytes:
    """A one-colour PNG `side` pixels square: a few hundred KB on disk, side² to inflate."""
    row = b"\x00" + bytes(side)  # filter byte, then one grey byte per pixel
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + kind
            + payload
            + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"just some words, not a picture\n", "notes.png", "not one we can read"),
        (b"", "empty.png", "empty"),
        (b"GIF89a" + bytes(40), "anim.gif", "not one we can read"),
    ],
)
def test_a_file_that_is_not_a_picture_is_a_400(pictures_catalog, data, name, words):
    alice = person("alice", credits=100)
    response = order_with(api_for(alice), image=upload(data, name))
    assert response.status_code == 400
    assert words in response.json()["image"][0]
    nothing_held(alice, 100)


def test_a_decompression_bomb_is_refused_from_its_header(pictures_catalog):
    bomb = png_bomb(20_000)
    assert len(bomb) < 1_000_000  # 400 megapixels in well under a megabyte
    alice = person("alice", credits=100)
    response = order_with(api_for(alice), image=upload(bomb))
    assert response.status_code == 400
    assert "at most 4096 pixels a side" in response.json()["image"][0]
    nothing_held(alice, 100)


def test_a_picture_over_4096_pixels_a_side_is_a_400(pictures_catalog):
    alice = person("alice", credits=100)
    response = order_with(api_for(alice), image=upload(png_bomb(4097)))
    assert response.status_code == 400 and "at most 4096" in response.json()["image"][0]
    nothing_held(alice, 100)


def test_an_image_over_image_max_bytes_is_a_413(pictures_catalog, settings):
    settings.IMAGE_MAX_BYTES = 10_000
    alice = person("alice", credits=100)
    big = encoded(Image.effect_noise((200, 200), 80).convert("RGB"))
    assert len(big) > 10_000
    response = order_with(api_for(alice), image=upload(big))
    assert response.status_code == 413
    assert response.json()["code"] == "image_too_large"
    assert "10000 bytes" in response.json()["detail"]
    nothing_held(alice, 100)


def test_a_50_mb_upload_is_a_413_not_a_500(pictures_catalog):
    alice = person("alice", credits=100)
    response = order_with(api_for(alice), image=upload(bytes(50 * 1024 * 1024)))
    assert response.status_code == 413 and response.json()["code"] == "image_too_large"
    nothing_held(alice, 100)


def test_a_model_without_image_input_is_a_400_naming_those_with_it(pictures_catalog):
    alice = person("alice", credits=100)
    response = api_for(alice).post(
        "/videos",
        {
            "prompt": "x",
            "seconds": 1,
            "model": WORDS_ONLY,
            "image": upload(encoded(gradient(9, 9))),
        },
        format="multipart",
    )
    assert response.status_code == 400
    [message] = response.json()["image"]
    assert message.startswith(f"{WORDS_ONLY} cannot start from a picture.")
    assert MODELS["openai"] in message and MODELS["openrouter"] in message
    nothing_held(alice, 100)


# --- Idempotency, batches, S3, the catalog -------------------------------------------


def test_the_same_key_with_another_picture_is_another_request(pictures_catalog):
    alice = person("alice", credits=100)
    client = api_for(alice)
    photo, other = encoded(gradient(320, 240)), encoded(gradient(320, 240, seed=3))
    first = order_with(client, key="k-1", image=upload(photo))
    again = order_with(client, key="k-1", image=upload(photo, "renamed.png"))
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"

    reused = order_with(client, key="k-1", image=upload(other))
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert available(alice) == 95 and VideoJob.objects.filter(owner=alice).count() == 1


def test_a_batch_starts_every_style_on_the_one_picture(pictures_catalog):
    alice = person("alice", credits=100)
    client = api_for(alice)
    photo = gradient(320, 240, seed=5)
    response = client.post(
        "/videos/batch",
        {
            "prompt": "a kite",
            "seconds": 1,
            "size": "320x240",
            "model": MODELS["openrouter"],
            "styles": ["80s", "none"],
            "image": upload(encoded(photo)),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    jobs = response.json()["jobs"]
    assert [job["style"] for job in jobs] == ["80s", "none"]
    assert all(job["input_image_url"] for job in jobs)
    assert available(alice) == 100 - 2 * 5
    for body in jobs:
        job = completed(client, body["id"])
        assert difference(frames(job)[0], photo) < CLOSE


def test_the_picture_is_stored_in_s3_and_its_link_is_presigned(pictures_catalog, s3_storage):
    alice = person("alice", credits=100)
    client = api_for(alice)
    job = finished(client, order_with(client, image=upload(encoded(gradient(320, 240)))))
    body = client.get(f"/videos/{job.id}").json()
    assert body["input_image_url"].startswith(s3_storage) and "Signature" in body["input_image_url"]
    fetched = httpx.get(body["input_image_url"])
    assert fetched.status_code == 200
    assert Image.open(io.BytesIO(fetched.content)).size == (320, 240)
    assert f"/videos/{alice.pk}/{job.id}-input.png" in body["input_image_url"]
    redirect = client.get(f"/videos/{job.id}/input-image")
    assert redirect.status_code == 302 and redirect["Location"].startswith(s3_storage)
    assert difference(frames(job)[0], gradient(320, 240)) < CLOSE

    # Its last frame is read back from S3 to continue it.
    then = finished(client, order_with(client, protocol="openrouter", image_from_video=str(job.id)))
    assert difference(frames(then)[0], frames(job)[-1]) < CLOSE


def test_the_catalog_says_which_models_take_a_picture(pictures_catalog):
    offers = {
        model["id"]: model for model in api_for(person("alice")).get("/models").json()["results"]
    }
    assert offers[MODELS["openai"]]["image_input"] is True
    assert offers[WORDS_ONLY]["image_input"] is False
    assert offers["sora-2"]["image_input"] is True  # seeded

    call_command("catalog_model", WORDS_ONLY, "--image-input", stdout=io.StringIO())
    assert CatalogModel.objects.get(model_id=WORDS_ONLY).image_input is True
    call_command("catalog_model", WORDS_ONLY, "--no-image-input", stdout=io.StringIO())
    assert CatalogModel.objects.get(model_id=WORDS_ONLY).image_input is False


def test_the_admin_job_page_shows_the_picture_beside_the_video(pictures_catalog, client, sam):
    alice = person("alice", credits=100)
    api = api_for(alice)
    job = finished(api, order_with(api, image=upload(encoded(gradient(320, 240)))))
    page = client.get(reverse("admin:videos_videojob_change", args=[job.pk])).content.decode()
    assert f'<img src="/videos/{job.id}/input-image?expires=' in page
    assert f'<video src="/videos/{job.id}/file?expires=' in page


def test_the_schema_declares_the_multipart_body_and_the_413(client):
    document = client.get("/schema?format=json").json()
    for path in ("/videos", "/videos/batch"):
        operation = document["paths"][path]["post"]
        content = operation["requestBody"]["content"]
        assert set(content) == {"application/json", "multipart/form-data"}
        ref = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
        image = document["components"]["schemas"][ref]["properties"]["image"]
        assert image["format"] == "binary"
        assert {"400", "404", "409", "413"} <= set(operation["responses"])
