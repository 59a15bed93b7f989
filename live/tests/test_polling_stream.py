"""Without LISTEN/NOTIFY (SQLite under `make run`), a stream reads the events table every
second instead: the same events, a little later."""

import time

import httpx
import pytest
from django.db import connection

from live.tests.server import EventReader, asgi_web
from testing import api_for, held_jobs, person
from tests.helpers import served_env
from videos.models import VideoJob

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def listeners() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query ILIKE 'LISTEN %%'"
        )
        return cursor.fetchone()[0]


def test_a_polling_stream_sends_changes_within_about_a_second(tmp_path):
    env = served_env(
        tmp_path,
        LIVE_LISTEN="false",
    )
    ann = person("ann")
    (job,) = held_jobs(ann)
    with asgi_web(tmp_path, env) as base_url:
        ticket = api_for(ann).post("/auth/stream-ticket").json()["ticket"]
        with (
            httpx.Client(base_url=base_url, timeout=httpx.Timeout(10, read=5)) as client,
            client.stream("GET", "/events", params={"ticket": ticket}) as response,
        ):
            events = EventReader(response)
            events.wait_for_comment("connected")
            changed = time.monotonic()
            VideoJob.objects.filter(pk=job.pk).update(status="in_progress")
            event = events.next_event()
            waited = time.monotonic() - changed
            assert listeners() == 0
    assert (event.job["id"], event.job["status"]) == (str(job.id), "in_progress")
    assert waited < 3
