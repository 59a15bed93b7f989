"""GET /events over real HTTP against the ASGI web process: live changes, resume, tickets."""

from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from live.models import JobEvent, StreamTicket
from testing import EventReader, api_for, held_jobs, person
from videos.models import VideoJob

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def ticket_for(user) -> str:
    return api_for(user).post("/auth/stream-ticket").json()["ticket"]


@contextmanager
def stream(web, user, *, headers=None, **params):
    params = {"ticket": ticket_for(user), **params}
    with (
        httpx.Client(base_url=web, timeout=httpx.Timeout(10, read=5)) as client,
        client.stream("GET", "/events", params=params, headers=headers) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        reader = EventReader(response)
        reader.wait_for_comment("connected")
        yield reader


def set_status(job, status: str, **fields) -> None:
    VideoJob.objects.filter(pk=job.pk).update(status=status, **fields)


def test_it_streams_a_change_of_the_owners_job_as_it_happens(web):
    ann = person("ann")
    (job,) = held_jobs(ann)
    with stream(web, ann) as events:
        set_status(job, "in_progress", progress=40)
        event = events.next_event()
    assert event.event == "job" and int(event.id) > 0
    assert event.job["id"] == str(job.id)
    assert (event.job["status"], event.job["progress"]) == ("in_progress", 40)
    assert event.job["file_url"] is None


def test_events_are_ordered_and_a_new_job_shows_up(web):
    ann = person("ann")
    (first,) = held_jobs(ann)
    with stream(web, ann) as events:
        set_status(first, "in_progress")
        (second,) = held_jobs(ann)
        received = [events.next_event(), events.next_event()]
    assert [event.job["id"] for event in received] == [str(first.id), str(second.id)]
    assert int(received[0].id) < int(received[1].id)


def test_a_completed_job_comes_with_a_file_url_that_plays(web):
    ann = person("ann")
    (job,) = held_jobs(ann)
    with stream(web, ann) as events:
        set_status(job, "completed", file=f"videos/{ann.pk}/{job.pk}.mp4", progress=100)
        event = events.next_event()
    assert event.job["status"] == "completed"
    assert event.job["file_url"].startswith(f"{web}/videos/{job.pk}/file?expires=")


def test_another_users_jobs_never_appear(web):
    ann, bob = person("ann"), person("bob")
    (anns,) = held_jobs(ann)
    (bobs,) = held_jobs(bob)
    with stream(web, ann) as events:
        set_status(bobs, "in_progress")
        held_jobs(bob)
        set_status(anns, "in_progress")
        event = events.next_event()
    assert event.job["id"] == str(anns.id)


def test_heartbeats_keep_an_idle_stream_open(web):
    # LIVE_HEARTBEAT_SECONDS is 1 for this server (15 in production).
    with stream(web, person("ann")) as events:
        events.wait_for_comment("heartbeat", timeout=5)
        events.wait_for_comment("heartbeat", timeout=5)


@pytest.mark.parametrize("via", ["header", "query"])
def test_a_reconnect_with_last_event_id_replays_what_was_missed(web, via):
    ann = person("ann")
    first, second = held_jobs(ann, 2)
    with stream(web, ann) as events:
        set_status(first, "in_progress")
        seen = events.next_event()
    # While disconnected: one job moves twice, another once, a new one is ordered.
    set_status(first, "downloading")
    set_status(first, "completed", file=f"videos/{ann.pk}/{first.pk}.mp4")
    set_status(second, "failed", error_code="boom")
    (third,) = held_jobs(ann)
    resume = (
        {"headers": {"Last-Event-ID": seen.id}} if via == "header" else {"last_event_id": seen.id}
    )
    with stream(web, ann, **resume) as events:
        replayed = [events.next_event() for _ in range(3)]
        # Then live.
        set_status(third, "in_progress")
        live = events.next_event()
    assert [(e.job["id"], e.job["status"]) for e in replayed] == [
        (str(first.id), "completed"),
        (str(second.id), "failed"),
        (str(third.id), "queued"),
    ]
    ids = [int(e.id) for e in [seen, *replayed, live]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert (live.job["id"], live.job["status"]) == (str(third.id), "in_progress")


def test_a_replay_is_bounded_to_the_last_day(web):
    ann = person("ann")
    old, recent = held_jobs(ann, 2)
    JobEvent.objects.filter(job_id=old.id).update(created_at=timezone.now() - timedelta(hours=25))
    with stream(web, ann, last_event_id="0") as events:
        event = events.next_event()
    assert event.job["id"] == str(recent.id)


def get(web, path, **kwargs) -> httpx.Response:
    return httpx.get(f"{web}{path}", timeout=10, **kwargs)


def test_a_ticket_opens_one_stream_only(web):
    ann = person("ann")
    ticket = ticket_for(ann)
    with (
        httpx.Client(base_url=web, timeout=10) as client,
        client.stream("GET", "/events", params={"ticket": ticket}) as first,
    ):
        assert first.status_code == 200
        again = client.get("/events", params={"ticket": ticket})
    assert again.status_code == 401
    assert again.headers["content-type"] == "application/json"
    assert again.json()["code"] == "ticket_not_valid"


def test_an_expired_missing_or_forged_ticket_is_a_401(web):
    ticket = ticket_for(person("ann"))
    StreamTicket.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    for params in ({"ticket": ticket}, {}, {"ticket": "forged"}, {"ticket": "x" * 5000}):
        response = get(web, "/events", params=params)
        assert response.status_code == 401, params
        assert response.json()["code"] == "ticket_not_valid"


def test_a_bearer_token_is_not_a_ticket(web):
    ann = person("ann")
    token = api_for(ann)._credentials["HTTP_AUTHORIZATION"]
    response = get(web, "/events", headers={"Authorization": token})
    assert response.status_code == 401


def test_a_junk_last_event_id_is_a_400_and_keeps_the_ticket(web):
    ann = person("ann")
    ticket = ticket_for(ann)
    response = get(web, "/events", params={"ticket": ticket}, headers={"Last-Event-ID": "abc"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_last_event_id"
    assert StreamTicket.objects.count() == 1


def test_other_methods_are_a_json_405(web):
    response = httpx.post(f"{web}/events", timeout=10)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_streams_hold_no_database_connection_while_idle(web):
    ann = person("ann")

    def server_connections() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    with httpx.Client(base_url=web, timeout=httpx.Timeout(10, read=5)) as client:
        responses = []
        for _ in range(20):
            response = client.send(
                client.build_request("GET", "/events", params={"ticket": ticket_for(ann)}),
                stream=True,
            )
            EventReader(response).wait_for_comment("connected")
            responses.append(response)
        # The listener's connection and the streams' few database threads, not one per
        # stream (connections of the requests' own threads would stay open here).
        assert server_connections() <= 1 + settings.LIVE_DATABASE_THREADS
        for response in responses:
            response.close()
