"""GET /videos/{id} and GET /videos, the paths every client polls: one query for a job's
200 and 304 and for a page; the user row never loaded for an active owner, and a
deactivated or unknown user still refused with a 401 as on every other endpoint."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from testing import api_for, held_jobs, person
from videos.models import Batch, JobStatus, VideoJob
from videos.serializers import VideoJobSerializer
from videos.services.files import THUMBNAIL, VIDEO, signed_file_path

pytestmark = pytest.mark.django_db


def queries(client, path: str, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    return response, [query["sql"] for query in captured]


def test_a_job_and_its_304_cost_one_query_and_never_load_the_user():
    alice = person("alice", credits=10)
    [job] = held_jobs(alice, status=JobStatus.COMPLETED, file="videos/a.mp4")
    client = api_for(alice)
    response, sql = queries(client, f"/videos/{job.id}")
    assert response.status_code == 200 and response.json()["file_url"]
    assert len(sql) == 1 and "accounts_user" in sql[0]  # the owner's is_active, joined
    etag = response["ETag"]
    response, sql = queries(client, f"/videos/{job.id}", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response["ETag"] == etag
    assert len(sql) == 1


def test_a_304_carries_the_200s_headers_but_the_bodys_and_a_stale_etag_gets_the_job():
    alice = person("alice", credits=10)
    [job] = held_jobs(alice, status=JobStatus.COMPLETED, file="videos/a.mp4")
    client = api_for(alice)
    full = client.get(f"/videos/{job.id}")
    not_modified = client.get(f"/videos/{job.id}", HTTP_IF_NONE_MATCH=full["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    body_headers = {"content-type", "content-length"}
    assert {k: v for k, v in not_modified.headers.items() if k.lower() not in body_headers} == {
        k: v for k, v in full.headers.items() if k.lower() not in body_headers
    }
    assert client.head(f"/videos/{job.id}", HTTP_IF_NONE_MATCH=full["ETag"]).status_code == 304

    VideoJob.objects.filter(pk=job.pk).update(progress=100, updated_at=timezone.now())
    response, sql = queries(client, f"/videos/{job.id}", HTTP_IF_NONE_MATCH=full["ETag"])
    assert response.status_code == 200 and response["ETag"] != full["ETag"]
    assert response.json()["progress"] == 100
    assert len(sql) == 1


@pytest.mark.parametrize(
    "authorization, status",
    [(None, 401), ("Bearer not.a.token", 401), ("Basic YTpi", 401), ("bob", 404)],
)
def test_an_etag_opens_nothing_without_the_owners_valid_token(authorization, status):
    alice, bob = person("alice", credits=10), person("bob")
    [job] = held_jobs(alice)
    etag = api_for(alice).get(f"/videos/{job.id}")["ETag"]
    client = api_for(bob) if authorization == "bob" else APIClient()
    if authorization not in (None, "bob"):
        client.credentials(HTTP_AUTHORIZATION=authorization)
    for if_none_match in (etag, "*"):
        response = client.get(f"/videos/{job.id}", HTTP_IF_NONE_MATCH=if_none_match)
        assert response.status_code == status, if_none_match
        assert response.json()["code"]


@pytest.mark.parametrize("conditional", [False, True])
def test_a_deactivated_user_is_refused_with_a_401(conditional):
    alice = person("alice", credits=10)
    [job] = held_jobs(alice)
    client = api_for(alice)
    etag = client.get(f"/videos/{job.id}")["ETag"]
    User.objects.filter(pk=alice.pk).update(is_active=False)
    headers = {"HTTP_IF_NONE_MATCH": etag} if conditional else {}
    response = client.get(f"/videos/{job.id}", **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"
    assert response["WWW-Authenticate"].startswith("Bearer")
    # Not found is not the answer either: the user is refused before that.
    assert client.get("/videos/00000000-0000-4000-8000-000000000000").status_code == 401


def test_a_page_of_jobs_never_loads_the_user_row_of_an_active_owner():
    alice = person("alice", credits=10)
    held_jobs(alice, 3, status=JobStatus.COMPLETED, file="videos/a.mp4")
    response, sql = queries(api_for(alice), "/videos")
    assert response.status_code == 200 and len(response.json()["results"]) == 3
    assert len(sql) == 1 and '"accounts_user"."is_active"' in sql[0]  # joined, not loaded


@pytest.mark.parametrize("has_jobs", [True, False])
def test_a_deactivated_user_is_refused_a_page_with_a_401(has_jobs):
    alice = person("alice", credits=10)
    held_jobs(alice, 2 if has_jobs else 0)
    client = api_for(alice)
    assert client.get("/videos").status_code == 200
    User.objects.filter(pk=alice.pk).update(is_active=False)
    response = client.get("/videos")
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_an_order_still_loads_and_checks_the_user():
    alice = person("alice", credits=10)
    client = api_for(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    response = client.post("/videos", {"prompt": "A kite", "seconds": 4}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_a_token_of_a_user_that_does_not_exist_is_refused_with_a_401():
    token = AccessToken()
    token["user_id"] = str(uuid.uuid4())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for path in ("/videos/00000000-0000-4000-8000-000000000000", "/videos"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json()["code"] == "user_not_found"


def test_another_users_job_and_a_missing_one_are_404s_for_an_active_user():
    alice, bob = person("alice", credits=10), person("bob")
    [job] = held_jobs(alice)
    assert api_for(bob).get(f"/videos/{job.id}").status_code == 404
    assert api_for(bob).get("/videos/00000000-0000-4000-8000-000000000000").status_code == 404
    assert api_for(alice).get("/videos/not-a-uuid").status_code == 404
    assert api_for(alice).get(f"/videos/{job.id}").status_code == 200


def test_a_job_without_a_token_is_a_401():
    alice = person("alice", credits=10)
    [job] = held_jobs(alice)
    client = api_for(alice)
    client.credentials()
    assert client.get(f"/videos/{job.id}").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    assert client.get(f"/videos/{job.id}").status_code == 401


def test_the_written_out_representation_is_the_generic_one():
    alice = person("alice", credits=100)
    batch = Batch.objects.create(
        owner=alice, prompt="p", model="sora-2", seconds=4, size="1280x720", format="16:9"
    )
    [original] = held_jobs(alice, status=JobStatus.COMPLETED, file="videos/o.mp4")
    jobs = [
        original,
        *held_jobs(alice, status=JobStatus.QUEUED),
        *held_jobs(
            alice,
            status=JobStatus.COMPLETED,
            charge_status="settled",
            progress=100,
            file="videos/a.mp4",
            thumbnail="videos/a.webp",
            completed_at=timezone.now(),
            batch=batch,
            remixed_from=original,
        ),
        *held_jobs(
            alice,
            status=JobStatus.FAILED,
            charge_status="refunded",
            error_code="moderation_blocked",
            error_message="No.",
        ),
    ]
    request = APIRequestFactory().get("/videos")
    for job in jobs:
        # As the code sets them (enum members), and as the database returns them.
        for instance in (job, type(job).objects.get(pk=job.pk)):
            serializer = VideoJobSerializer(instance, context={"request": request})
            generic = serializers.ModelSerializer.to_representation(serializer, instance)
            assert serializer.data == generic
            assert list(serializer.data) == list(generic)


@pytest.mark.parametrize("prefix", ["/", "/storycraft/"])
def test_file_links_are_the_reversed_paths_under_any_script_prefix(prefix):
    job = VideoJob(id=uuid.uuid4())
    set_script_prefix(prefix)
    try:
        for what in (VIDEO, THUMBNAIL):
            path = signed_file_path(job, what=what).split("?")[0]
            assert path == reverse(f"video-{what}", kwargs={"job_id": job.id})
            assert path.startswith(prefix)
    finally:
        set_script_prefix("/")
