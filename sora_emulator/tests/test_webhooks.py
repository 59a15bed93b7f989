import json

import pytest
from standardwebhooks.webhooks import Webhook

from sora_emulator import serve_in_thread
from sora_emulator.tests.helpers import SECRET, client, create, unique


@pytest.mark.parametrize(
    ("prompt", "event_type"),
    [("a calm lake", "video.completed"), ("[emulator:fail]", "video.failed")],
)
def test_it_sends_a_signed_event_when_a_job_ends(receiver, tmp_path, prompt, event_type):
    url, received, arrived = receiver
    server, base_url = serve_in_thread(
        job_seconds=0.5, webhook_url=url, webhook_secret=SECRET, cache_dir=tmp_path
    )
    try:
        with client(base_url) as http:
            video_id = create(http, prompt=unique(prompt)).json()["id"]
        assert arrived.wait(5)
    finally:
        server.stop()
    headers, body = received[0]
    event = Webhook(SECRET).verify(body, {k.lower(): v for k, v in headers.items()})
    assert event["type"] == event_type
    assert event["object"] == "event"
    assert event["data"] == {"id": video_id}
    assert json.loads(body)["id"].startswith("evt_")


def test_a_deleted_job_sends_nothing(receiver, tmp_path):
    url, received, arrived = receiver
    server, base_url = serve_in_thread(
        job_seconds=0.3, webhook_url=url, webhook_secret=SECRET, cache_dir=tmp_path
    )
    try:
        with client(base_url) as http:
            http.delete(f"videos/{create(http).json()['id']}")
        assert not arrived.wait(0.8)
    finally:
        server.stop()
    assert received == []
