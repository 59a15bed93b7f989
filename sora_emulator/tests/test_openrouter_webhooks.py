"""OpenRouter-side events: signed as OpenRouter documents it, to callback_url or the default."""

import hashlib
import hmac
import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from sora_emulator import serve_in_thread
from sora_emulator.tests.helpers import openrouter_client, submit, unique

SECRET = "or-signing-secret-1234"
TOLERANCE = 300


def verify(secret: str, body: bytes, header: str, now: float | None = None) -> dict:
    """OpenRouter's documented check: `t=<ts>,v1=<hex>` where hex = HMAC-SHA256 of
    "<ts>,<raw body>" keyed by the secret; a timestamp older than 5 minutes is refused."""
    parts = dict(part.split("=", 1) for part in header.split(","))
    timestamp, received = parts["t"], parts["v1"]
    if (now or time.time()) - int(timestamp) > TOLERANCE:
        raise ValueError("stale timestamp")
    expected = hmac.new(secret.encode(), f"{timestamp},".encode() + body, hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), received):
        raise ValueError("bad signature")
    return json.loads(body)


def test_the_verifier_refuses_a_changed_body_a_wrong_secret_and_a_stale_timestamp():
    body = b'{"type": "video.generation.completed"}'
    stamp = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{stamp},".encode() + body, hashlib.sha256).hexdigest()
    header = f"t={stamp},v1={digest}"
    assert verify(SECRET, body, header)["type"] == "video.generation.completed"
    for secret, sent, now in (
        ("other", body, None),
        (SECRET, body + b" ", None),
        (SECRET, body, stamp + TOLERANCE + 1),
    ):
        with pytest.raises(ValueError):
            verify(secret, sent, header, now)


@pytest.fixture
def emulator(receiver, tmp_path):
    """An emulator whose workspace default URL is the receiver, with a signing secret."""
    url, _, _ = receiver
    server, _ = serve_in_thread(
        job_seconds=0.5,
        openrouter_webhook_url=url,
        openrouter_webhook_secret=SECRET,
        cache_dir=tmp_path,
    )
    yield server
    server.stop()


def headers_of(received) -> dict:
    return {name.lower(): value for name, value in received.items()}


@pytest.mark.parametrize(
    ("prompt", "status"),
    [
        ("a calm lake", "completed"),
        ("[emulator:fail]", "failed"),
        ("[emulator:cancel]", "cancelled"),
        ("[emulator:expire]", "expired"),
    ],
)
def test_a_signed_event_goes_to_the_default_url_when_a_job_ends(receiver, emulator, prompt, status):
    _, received, arrived = receiver
    with openrouter_client(emulator) as http:
        job = submit(http, model="sora-2-pro", duration=4, prompt=unique(prompt)).json()
        assert arrived.wait(5)
        polled = http.get(f"videos/{job['id']}").json()
    headers, body = received[0]
    headers = headers_of(headers)
    event = verify(SECRET, body, headers["x-openrouter-signature"])
    assert headers["x-openrouter-idempotency-key"] == f"{job['id']}-{status}"
    assert headers["content-type"] == "application/json"
    assert event["type"] == f"video.generation.{status}"
    assert datetime.fromisoformat(event["created_at"]).tzinfo is not None
    assert event["created_at"].endswith("Z")
    data = event["data"]
    assert (data["id"], data["status"], data["generation_id"], data["model"]) == (
        job["id"],
        status,
        job["generation_id"],
        "sora-2-pro",
    )
    if status == "completed":
        assert data["unsigned_urls"] == polled["unsigned_urls"]
        assert data["usage"] == {"cost": 1.2, "is_byok": False}
        assert "error" not in data
    else:
        assert data["error"] == polled["error"] and "usage" not in data


def test_a_jobs_callback_url_wins_over_the_default(receiver, emulator):
    _, default_received, _ = receiver
    own, own_arrived = [], threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            own.append(self.rfile.read(int(self.headers["content-length"])))
            own_arrived.set()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    hook = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        with openrouter_client(emulator) as http:
            callback_url = f"http://127.0.0.1:{hook.server_port}/mine"
            job = submit(http, callback_url=callback_url).json()
            assert emulator.store.find(job["id"], "openrouter").received.body["callback_url"] == (
                callback_url
            )
            assert own_arrived.wait(5)
    finally:
        hook.shutdown()
        hook.server_close()
    assert json.loads(own[0])["data"]["id"] == job["id"]
    time.sleep(0.2)
    assert default_received == []


def test_without_a_secret_events_go_unsigned_and_only_where_asked(receiver, tmp_path):
    url, received, arrived = receiver
    server, _ = serve_in_thread(job_seconds=0.3, cache_dir=tmp_path)
    try:
        with openrouter_client(server) as http:
            submit(http)  # no callback_url, no default URL: no event
            job = submit(http, callback_url=url).json()
            assert arrived.wait(5)
            time.sleep(0.5)
    finally:
        server.stop()
    assert len(received) == 1
    headers, body = received[0]
    assert "x-openrouter-signature" not in headers_of(headers)
    assert json.loads(body)["data"]["id"] == job["id"]


def test_a_restart_sends_the_openrouter_events_still_owed(receiver, tmp_path):
    url, received, arrived = receiver
    settings = {
        "job_seconds": 0.5,
        "state_dir": tmp_path,
        "openrouter_webhook_url": url,
        "openrouter_webhook_secret": SECRET,
    }
    first, _ = serve_in_thread(**settings)
    with openrouter_client(first) as http:
        owed = submit(http, prompt=unique("[emulator:slow]")).json()
    first.stop()
    assert received == []
    second, _ = serve_in_thread(**settings)
    try:
        assert arrived.wait(5)
    finally:
        second.stop()
    headers, body = received[0]
    assert (
        verify(SECRET, body, headers_of(headers)["x-openrouter-signature"])["data"]["id"]
        == (owed["id"])
    )
