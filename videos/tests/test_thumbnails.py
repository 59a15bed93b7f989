"""Poster images: the provider's thumbnail when it is a real image, else the first frame;
served like the MP4; never a reason to fail or unsettle a stored video."""

from contextlib import contextmanager

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from testing import api_for, entries_of, finished_order, order, person
from videos.models import VideoJob
from videos.services import thumbnails

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_stored_video_gets_the_providers_webp_poster(sora_provider, client):
    job = finished_order(api_for(person("alice", credits=200)), prompt="A poster at dusk")
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.thumbnail.name == f"videos/{stored.owner_id}/{stored.id}.webp"
    # Works in an <img src>: no header needed.
    response = client.get(job["thumbnail_url"])
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    data = body_of(response)
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def test_a_provider_answering_the_mp4_for_a_thumbnail_gets_the_first_frame(
    sora_provider, monkeypatch, client
):
    real_stream = sora_provider.stream_content

    @contextmanager
    def like_litellm(provider_id, variant="video"):
        with real_stream(provider_id) as chunks:  # `variant` ignored: always the MP4
            yield chunks

    monkeypatch.setattr(sora_provider, "stream_content", like_litellm)
    job = finished_order(api_for(person("alice", credits=200)), prompt="A gateway poster")
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.thumbnail.name.endswith(f"{stored.id}.jpg")
    response = client.get(job["thumbnail_url"])
    assert response["Content-Type"] == "image/jpeg"
    assert body_of(response)[:3] == b"\xff\xd8\xff"


def test_a_poster_that_cannot_be_made_leaves_the_video_completed_and_settled(
    sora_provider, monkeypatch
):
    def broken(job):
        raise RuntimeError("no decoder")

    monkeypatch.setattr(thumbnails, "_from_provider", lambda job: None)
    monkeypatch.setattr(thumbnails, "_first_frame", broken)
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = finished_order(client, prompt="No poster for this one")
    assert job["charge_status"] == "settled" and job["file_url"]
    assert job["thumbnail_url"] is None
    response = client.get(f"/videos/{job['id']}/thumbnail")
    assert response.status_code == 409 and response.json()["code"] == "not_ready"
    assert len(entries_of(alice, "settle")) == 1


def test_there_is_no_poster_before_the_video_is_ready(sora_provider):
    client = api_for(person("alice", credits=200))
    job = order(client, prompt="Not yet [emulator:slow]").json()
    assert job["thumbnail_url"] is None
    response = client.get(f"/videos/{job['id']}/thumbnail")
    assert response.status_code == 409 and response.json()["code"] == "not_ready"
    assert response.json()["detail"] in {
        "The video is queued; it is not ready.",
        "The video is in progress; it is not ready.",
    }


def test_the_owner_may_fetch_it_with_a_token_and_others_may_not(sora_provider, client):
    alice, bob = person("alice", credits=200), person("bob")
    job = finished_order(api_for(alice), prompt="Mine alone")
    assert api_for(alice).get(f"/videos/{job['id']}/thumbnail").status_code == 200
    assert api_for(bob).get(f"/videos/{job['id']}/thumbnail").status_code == 404
    assert client.get(f"/videos/{job['id']}/thumbnail").status_code == 401


def test_a_signed_video_link_does_not_open_the_poster_nor_the_reverse(sora_provider, client):
    job = finished_order(api_for(person("alice", credits=200)), prompt="Two links")
    video_query = job["file_url"].split("?", 1)[1]
    poster_query = job["thumbnail_url"].split("?", 1)[1]
    assert client.get(f"/videos/{job['id']}/thumbnail?{video_query}").status_code == 403
    assert client.get(f"/videos/{job['id']}/file?{poster_query}").status_code == 403


def test_the_command_gives_older_videos_a_poster_once(sora_provider, capsys):
    job = finished_order(api_for(person("alice", credits=200)), prompt="Made before posters")
    stored = VideoJob.objects.get(pk=job["id"])
    default_storage.delete(stored.thumbnail.name)
    VideoJob.objects.filter(pk=stored.pk).update(thumbnail="")

    call_command("make_thumbnails")
    assert "1 poster image(s) made" in capsys.readouterr().out
    stored.refresh_from_db()
    assert stored.thumbnail and default_storage.exists(stored.thumbnail.name)

    call_command("make_thumbnails")
    assert "0 poster image(s) made" in capsys.readouterr().out
    assert VideoJob.objects.get(pk=stored.pk).thumbnail.name == stored.thumbnail.name


def test_it_recognises_images_by_their_first_bytes():
    assert thumbnails.image_extension(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert thumbnails.image_extension(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "jpg"
    assert thumbnails.image_extension(b"\x89PNG\r\n\x1a\n\x00\x00") == "png"
    assert thumbnails.image_extension(b"\x00\x00\x00\x18ftypmp42") is None


def test_a_client_polling_with_an_etag_sees_the_poster_when_it_arrives(sora_provider):
    client = api_for(person("alice", credits=200))
    job = finished_order(client, prompt="Poster after the ETag")
    stored = VideoJob.objects.get(pk=job["id"])
    VideoJob.objects.filter(pk=stored.pk).update(thumbnail="")
    etag = client.get(f"/videos/{stored.pk}")["ETag"]
    thumbnails.store_thumbnail(job_id=stored.pk)
    response = client.get(f"/videos/{stored.pk}", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response.json()["thumbnail_url"]
