"""A database connection lost under a request (pg_terminate_backend, a restart, a failover)
is a 503 with Retry-After that wrote nothing, on every path; the next request reconnects."""

import pytest
from django.db import OperationalError, connection
from rest_framework_simplejwt.tokens import RefreshToken

from storycraft.errors import server_error
from testing import admin_connection, api_for, available, order, person, staff
from videos.models import IdempotencyRecord, VideoJob
from wallet.models import LedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)


def drop_this_connection():
    """Terminate this process's database session from a second connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    with admin_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def api_for_token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def refuse_new_connections(monkeypatch):
    """The database is down: connecting again fails too."""

    def refuse(*args):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "get_new_connection", refuse)


def assert_retry_later(response):
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    # What a WSGI server does after every request: a broken connection is not reused.
    connection.close()


def test_an_order_on_a_dropped_connection_is_a_503_that_wrote_nothing(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    entries = LedgerEntry.objects.count()
    drop_this_connection()
    response = order(client)
    assert_retry_later(response)
    assert response.json()["code"] == "service_unavailable"
    assert not VideoJob.objects.exists() and not IdempotencyRecord.objects.exists()
    assert LedgerEntry.objects.count() == entries and available(alice) == 200
    assert order(client).status_code == 201


def test_an_order_with_a_key_runs_again_on_a_new_connection(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    drop_this_connection()
    response = order(client, idempotency_key="during-the-drop")
    assert response.status_code == 201, response.json()
    again = order(client, idempotency_key="during-the-drop")
    assert again.json() == response.json()
    assert VideoJob.objects.count() == 1 and available(alice) == 120


def test_a_connection_lost_while_the_provider_works_loses_no_video(sora_provider, monkeypatch):
    alice = person("alice", credits=200)
    original = type(sora_provider).create

    def create(this, *args, **kwargs):
        video = original(this, *args, **kwargs)
        drop_this_connection()  # while the request waits on the provider
        return video

    monkeypatch.setattr(type(sora_provider), "create", create)
    response = order(api_for(alice), idempotency_key="provider-window")
    assert response.status_code == 201, response.json()
    job = VideoJob.objects.get(pk=response.json()["id"])
    assert job.provider_video_id and job.status in ("queued", "in_progress")
    assert IdempotencyRecord.objects.get().status_code == 201


@pytest.mark.parametrize("path", ["/wallet", "/videos", "/auth/me", "/models", "/admin/"])
def test_a_read_runs_again_on_a_new_connection(client, path):
    client.force_login(staff("sam"))  # the admin's session
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_for_token(person('alice'))}"
    drop_this_connection()
    assert client.get(path).status_code == 200


def test_a_pull_runs_again_on_a_new_connection(sora_provider):
    alice = person("alice", credits=200)
    client = api_for(alice)
    job = order(client).json()
    drop_this_connection()
    response = client.post(f"/videos/{job['id']}/pull")
    assert response.status_code == 200 and response.json()["id"] == job["id"]


@pytest.mark.parametrize(("method", "path"), [("get", "/wallet"), ("post", "/videos/batch")])
def test_every_api_path_answers_503_while_the_database_is_down(monkeypatch, method, path):
    client = api_for(person("alice", credits=200))
    drop_this_connection()
    refuse_new_connections(monkeypatch)
    response = getattr(client, method)(path, {}, format="json")
    monkeypatch.undo()
    assert_retry_later(response)
    assert response.json()["code"] == "service_unavailable"
    assert client.get("/wallet").status_code == 200


def test_a_login_on_a_dropped_connection_is_a_503(client):
    person("alice")
    drop_this_connection()
    body = {"email": "alice@example.com", "password": "correct horse 42"}
    assert_retry_later(client.post("/auth/login", body, content_type="application/json"))
    assert client.post("/auth/login", body, content_type="application/json").status_code == 200


def test_the_admin_answers_503_not_500(client, monkeypatch):
    client.force_login(staff("sam"))
    drop_this_connection()
    refuse_new_connections(monkeypatch)
    response = client.get("/admin/")
    monkeypatch.undo()
    assert_retry_later(response)
    assert response["Content-Type"].startswith("text/html")
    assert client.get("/admin/").status_code == 200


def test_a_dropped_connection_outside_any_view_is_a_503(rf):
    try:
        raise OperationalError("terminating connection due to administrator command")
    except OperationalError:
        response = server_error(rf.post("/videos"))
    assert response.status_code == 503 and response["Retry-After"]


def test_a_request_without_a_key_is_not_run_again(sora_provider):
    client = api_for(person("alice", credits=200))
    job = order(client).json()
    drop_this_connection()
    assert_retry_later(client.post(f"/videos/{job['id']}/cancel"))
    assert VideoJob.objects.get().status != "cancelled"
