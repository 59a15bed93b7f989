"""Another user's job does not exist for you, and file links can't be forged."""

import time

import pytest

from testing import api_for, finished_order, order, person
from videos.models import VideoJob
from videos.services.files import signed_file_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_finished_job(sora_provider):
    alice = person("alice", credits=200)
    return alice, finished_order(api_for(alice))


def test_another_users_job_is_a_404_on_every_route(alices_finished_job):
    _, job = alices_finished_job
    mallory = api_for(person("mallory", credits=200))
    base = f"/videos/{job['id']}"
    assert mallory.get(base).status_code == 404
    assert mallory.post(f"{base}/pull").status_code == 404
    assert mallory.get(f"{base}/file").status_code == 404
    assert mallory.get("/videos").json()["results"] == []
    assert mallory.get(f"/videos?batch={job['id']}").json()["results"] == []


def test_another_users_job_answers_the_not_found_code(alices_finished_job):
    _, job = alices_finished_job
    mallory = api_for(person("mallory", credits=200))
    base = f"/videos/{job['id']}"
    for response in (
        mallory.get(base),
        mallory.post(f"{base}/pull"),
        mallory.get(f"{base}/file"),
    ):
        assert response.json() == {"detail": "No such video.", "code": "not_found"}


def test_a_forged_or_expired_link_is_a_403(alices_finished_job, client):
    _, job = alices_finished_job
    path = f"/videos/{job['id']}/file"
    assert client.get(f"{path}?expires=9999999999&signature=forged").status_code == 403
    assert client.get(f"{path}?expires=soon&signature=x").status_code == 403

    stale = signed_file_path(VideoJob.objects.get(pk=job["id"]), now=time.time() - 100_000)
    assert client.get(stale).status_code == 403


def test_a_link_for_one_job_does_not_open_another(alices_finished_job, client):
    alice, job = alices_finished_job
    other = order(api_for(alice)).json()
    query = job["file_url"].split("?", 1)[1]
    assert client.get(f"/videos/{other['id']}/file?{query}").status_code == 403


def test_the_file_needs_a_token_or_a_link(alices_finished_job, client):
    _, job = alices_finished_job
    assert client.get(f"/videos/{job['id']}/file").status_code == 401


def test_unknown_and_malformed_ids_are_404(sora_provider):
    alice = api_for(person("alice", credits=200))
    assert alice.get("/videos/00000000-0000-0000-0000-000000000000").status_code == 404
    assert alice.get("/videos/not-a-uuid").status_code == 404
