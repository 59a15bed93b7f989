"""GET /events shows a job's progress rise while it renders, with webhooks on, as under
`make run`: not just queued, then downloading."""

import threading
import time

import httpx
import pytest

from testing import EventReader, api_for, order, person
from videos.models import VideoJob
from videos.services import polling

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WEBHOOK_SECRET = "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"


def test_the_stream_shows_the_progress_rise_with_webhooks_on(web, sora_provider, settings):
    settings.POLL_INTERVAL_SECONDS = 10
    settings.OPENAI_WEBHOOK_SECRET = WEBHOOK_SECRET
    ann = person("ann", credits=500)
    api = api_for(ann)
    ticket = api.post("/auth/stream-ticket").json()["ticket"]
    seen: list[tuple[str, int]] = []
    stop = threading.Event()

    with (
        httpx.Client(base_url=web, timeout=httpx.Timeout(10, read=5)) as client,
        client.stream("GET", "/events", params={"ticket": ticket}) as response,
    ):
        events = EventReader(response)
        events.wait_for_comment("connected")

        def read():
            while not stop.is_set():
                try:
                    job = events.next_event(timeout=3).job
                except (AssertionError, httpx.HTTPError):
                    continue
                seen.append((job["status"], job["progress"]))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        job_id = order(api, prompt="[emulator:slow] a heron on the stream").json()["id"]
        video = sora_provider.retrieve(VideoJob.objects.get(pk=job_id).provider_video_id)
        rendered_by = video.created_at.timestamp() + 6  # [emulator:slow]: 5 s
        polling.run_sweeper(seconds=30, stop=lambda: time.time() > rendered_by)
        time.sleep(1)  # the last event's way to the stream
        stop.set()
        reader.join(timeout=10)

    progress = [p for status, p in seen if status == "in_progress"]
    assert len({p for p in progress if 0 < p < 100}) >= 2, seen
    assert progress == sorted(progress)
