import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from testing import api_for, held_jobs, person
from videos.models import JobStatus

pytestmark = pytest.mark.django_db


def make_jobs(user, count: int) -> None:
    """Half of them finished with a stored file (so file_url is signed), half running."""
    finished = count // 2
    held_jobs(user, count - finished, status=JobStatus.IN_PROGRESS)
    held_jobs(
        user,
        finished,
        status=JobStatus.COMPLETED,
        charge_status="settled",
        file=f"videos/{user.id}/finished.mp4",
    )


def queries_for_list(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/videos?page_size=100")
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


def test_the_list_costs_the_same_few_queries_for_1_and_50_jobs():
    alice = person("alice", credits=100)
    bob = person("bob", credits=100)
    make_jobs(alice, 1)
    make_jobs(bob, 50)
    alice_queries, alice_rows = queries_for_list(api_for(alice))
    bob_queries, bob_rows = queries_for_list(api_for(bob))
    assert (alice_rows, bob_rows) == (1, 50)
    assert alice_queries == bob_queries <= 4


def test_the_list_filters_by_status_and_pages_with_a_cursor():
    alice = person("alice", credits=100)
    make_jobs(alice, 30)
    client = api_for(alice)
    completed = client.get("/videos?status=completed&page_size=100").json()["results"]
    assert len(completed) == 15 and {job["status"] for job in completed} == {"completed"}
    first = client.get("/videos").json()
    assert len(first["results"]) == 20 and first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 10 and second["next"] is None
    seen = [job["id"] for job in first["results"] + second["results"]]
    assert len(set(seen)) == 30


def test_bad_filters_are_a_400():
    client = api_for(person("alice", credits=100))
    assert client.get("/videos?status=lost").status_code == 400
    assert client.get("/videos?batch=nope").status_code == 400
