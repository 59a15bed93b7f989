"""Serving a stored MP4 from local storage: signed links, HTTP Range, not-ready."""

import pytest
from django.utils import timezone

from testing import api_for, finished_order, order, person
from videos.models import VideoJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(sora_provider):
    client = api_for(person("alice", credits=200))
    return client, finished_order(client)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_signed_link_plays_without_a_header(finished, client):
    _, job = finished
    response = client.get(job["file_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    data = body_of(response)
    assert data[4:8] == b"ftyp" and int(response["Content-Length"]) == len(data)


def test_it_serves_a_range(finished, client):
    _, job = finished
    whole = body_of(client.get(job["file_url"]))
    response = client.get(job["file_url"], HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert response["Content-Length"] == "100"
    assert body_of(response) == whole[100:200]
    tail = client.get(job["file_url"], HTTP_RANGE="bytes=-10")
    assert body_of(tail) == whole[-10:]
    open_ended = client.get(job["file_url"], HTTP_RANGE=f"bytes={len(whole) - 5}-")
    assert body_of(open_ended) == whole[-5:]


def test_an_unsatisfiable_range_is_a_416(finished, client):
    _, job = finished
    response = client.get(job["file_url"], HTTP_RANGE="bytes=999999999-")
    assert response.status_code == 416
    assert response["Content-Range"].startswith("bytes */")


def test_the_owner_can_fetch_with_the_bearer_token(finished):
    api, job = finished
    response = api.get(f"/videos/{job['id']}/file")
    assert response.status_code == 200


def test_an_unfinished_job_has_no_file_yet(sora_provider):
    alice = api_for(person("alice", credits=200))
    job = order(alice, prompt="[emulator:slow] a turtle").json()
    response = alice.get(f"/videos/{job['id']}/file")
    assert response.status_code == 409
    assert response.json()["code"] == "not_ready"


def test_the_detail_supports_etags(finished):
    api, job = finished
    first = api.get(f"/videos/{job['id']}")
    assert first.status_code == 200 and first["ETag"]
    again = api.get(f"/videos/{job['id']}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert api.get(f"/videos/{job['id']}", HTTP_IF_NONE_MATCH='"other"').status_code == 200
    listed = f'"other", {first["ETag"]}'
    assert api.get(f"/videos/{job['id']}", HTTP_IF_NONE_MATCH=listed).status_code == 304
    assert api.get(f"/videos/{job['id']}", HTTP_IF_NONE_MATCH="*").status_code == 304


def test_the_etag_changes_with_the_job(sora_provider):
    api = api_for(person("alice", credits=200))
    job = order(api, prompt="[emulator:slow] an etag").json()
    first = api.get(f"/videos/{job['id']}")["ETag"]
    VideoJob.objects.filter(pk=job["id"]).update(progress=50, updated_at=timezone.now())
    second = api.get(f"/videos/{job['id']}", HTTP_IF_NONE_MATCH=first)
    assert second.status_code == 200 and second["ETag"] != first
    assert second.json()["progress"] == 50


def test_a_range_with_absurd_numbers_serves_the_whole_file(finished, client):
    _, job = finished
    response = client.get(job["file_url"], HTTP_RANGE="bytes=" + "9" * 5000 + "-")
    assert response.status_code == 200
    assert body_of(response)[4:8] == b"ftyp"
