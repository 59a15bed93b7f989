import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from standardwebhooks.webhooks import Webhook

from sora_emulator import serve_in_thread
from sora_emulator.tests.helpers import client, create, unique

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def receiver():
    """A tiny HTTP endpoint that keeps what it was sent."""
    received = []
    arrived = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append((dict(self.headers), body))
            arrived.set()
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, arrived
    server.shutdown()
    server.server_close()


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
