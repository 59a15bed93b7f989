"""S3 storage against moto's S3 server over HTTP: upload, presigned link, Range."""

import importlib

import boto3
import httpx
import pytest
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer

import storycraft.settings as settings_module
from accounts.services import delete_account
from testing import api_for, entries_of, finished_order, person
from videos.models import VideoJob

BUCKET = "storycraft-test"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    s3_options = {
        "bucket_name": BUCKET,
        "region_name": "us-east-1",
        "endpoint_url": s3_endpoint,
        "access_key": "test",
        "secret_key": "test",
        "querystring_expire": 600,
        "file_overwrite": True,
        "default_acl": None,
    }
    settings.STORAGE_BACKEND = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options},
    }
    return s3_endpoint


@pytest.mark.django_db
def test_a_video_is_stored_in_s3_and_the_presigned_link_plays(sora_provider, s3_storage):
    alice = person("alice", credits=200)
    client = api_for(alice)
    done = finished_order(client)
    stored = VideoJob.objects.get(pk=done["id"])
    assert done["file_url"].startswith(s3_storage) and "Signature" in done["file_url"]

    video = httpx.get(done["file_url"])
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    part = httpx.get(done["file_url"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100

    redirect = client.get(f"/videos/{stored.id}/file")
    assert redirect.status_code == 302 and redirect["Location"].startswith(s3_storage)
    assert len(entries_of(alice, "settle")) == 1


def test_s3_uploads_skip_the_checksums_r2_and_old_minio_refuse(monkeypatch):
    """moto accepts CRC checksums either way, so check the setting itself."""
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    monkeypatch.setenv("S3_BUCKET", "videos")
    try:
        reloaded = importlib.reload(settings_module)
        config = reloaded.STORAGES["default"]["OPTIONS"]["client_config"]
        assert config.request_checksum_calculation == "when_required"
        assert config.response_checksum_validation == "when_required"
    finally:
        monkeypatch.undo()
        importlib.reload(settings_module)


@pytest.mark.django_db
def test_the_poster_image_is_stored_in_s3_and_presigned(sora_provider, s3_storage):
    client = api_for(person("alice", credits=200))
    done = finished_order(client, prompt="A poster in the bucket")
    assert done["thumbnail_url"].startswith(s3_storage) and "Signature" in done["thumbnail_url"]
    image = httpx.get(done["thumbnail_url"])
    assert image.status_code == 200 and image.content[8:12] == b"WEBP"
    redirect = client.get(f"/videos/{done['id']}/thumbnail")
    assert redirect.status_code == 302 and redirect["Location"].startswith(s3_storage)


@pytest.mark.django_db
def test_a_deleted_accounts_videos_are_erased_from_s3(
    sora_provider, s3_storage, django_capture_on_commit_callbacks
):
    alice, bob = person("alice", credits=200), person("bob", credits=200)
    alices = VideoJob.objects.get(
        pk=finished_order(api_for(alice), prompt="Alice's S3 video")["id"]
    )
    bobs = VideoJob.objects.get(pk=finished_order(api_for(bob), prompt="Bob's S3 video")["id"])

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=alice)

    assert not default_storage.exists(alices.file.name)
    assert not default_storage.exists(alices.thumbnail.name)
    assert default_storage.listdir(f"videos/{alice.pk}") == ([], [])
    assert default_storage.exists(bobs.file.name) and default_storage.exists(bobs.thumbnail.name)
