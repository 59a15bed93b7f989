"""Without LISTEN/NOTIFY (SQLite under `make run`), a stream reads the events table every
second instead: the same events, a little later."""

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from unittest.mock import patch

import httpx
import pytest
from django.db import connection
from django.test import RequestFactory

from live import views
from live.services import open_stream
from testing import EventReader, api_for, asgi_web, held_jobs, person, served_env
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


def test_a_change_made_once_connected_is_sent_however_slow_the_stream_is(settings):
    """The stream reads where the user's events stand before it says "connected": a change
    made on seeing "connected" comes after that point, so it is never taken as already sent.
    (Driven in-process, step by step, so the order is exact rather than a race.)"""
    settings.LIVE_LISTEN = False
    settings.LIVE_POLL_SECONDS = 0.05
    ann = person("ann")
    (job,) = held_jobs(ann)
    request = RequestFactory().get("/events")
    threads = ThreadPoolExecutor(max_workers=1)
    stream_id = open_stream(user=ann)

    async def first_event() -> bytes:
        stream = views._stream(ann, request, None, stream_id)
        try:
            assert b": connected" in await anext(stream)
            change = VideoJob.objects.filter(pk=job.pk).update
            await asyncio.get_running_loop().run_in_executor(
                threads, partial(change, status="in_progress")
            )
            return await asyncio.wait_for(anext(stream), timeout=3)
        finally:
            await stream.aclose()

    try:
        with patch.object(views, "_database_threads", threads):
            frame = asyncio.run(first_event())
    finally:
        threads.submit(lambda: connection.close()).result()  # the test database is dropped later
        threads.shutdown()
    assert frame.startswith(b"event: job\n")
    assert json.loads(frame.split(b"data: ", 1)[1])["status"] == "in_progress"
