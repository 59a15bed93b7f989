"""Signed Standard Webhooks events (`video.completed`, `video.failed`) sent when a job ends."""

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

logger = logging.getLogger("sora_emulator")

ATTEMPTS = 3


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: v1,base64(HMAC-SHA256(id.timestamp.body))."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def event_for(state: dict) -> dict:
    kind = "video.completed" if state["status"] == "completed" else "video.failed"
    return {
        "id": "evt_" + secrets.token_hex(16),
        "object": "event",
        "created_at": int(time.time()),
        "type": kind,
        "data": {"id": state["id"]},
    }


def deliver(url: str, secret: str, event: dict) -> bool:
    """POST the event, retrying a non-2xx answer a few times with the same webhook-id."""
    body = json.dumps(event).encode()
    webhook_id = "wh_" + secrets.token_hex(16)

    def headers() -> dict[str, str]:
        timestamp = int(time.time())
        return {
            "content-type": "application/json",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, webhook_id, timestamp, body),
        }

    return post_with_retries(url, body, headers, label=f"webhook {webhook_id}")


def post_with_retries(
    url: str, body: bytes, headers: Callable[[], dict[str, str]], *, label: str
) -> bool:
    """POST `body` until a 2xx answer, ATTEMPTS times at most, backing off 1, 2, 4 s;
    `headers` is called for each attempt (a fresh signature timestamp)."""
    for attempt in range(ATTEMPTS):
        try:
            answer = httpx.post(url, content=body, headers=headers(), timeout=10)
            if answer.is_success:
                return True
            logger.warning("%s answered %s", label, answer.status_code)
        except httpx.HTTPError as error:
            logger.warning("%s failed: %s", label, error)
        time.sleep(2**attempt)
    return False


class WebhookScheduler:
    """One timer per job, fired when the job finishes; cancelled on delete or shutdown.

    `on_sent(job)` runs once the job's event has been delivered or given up on."""

    def __init__(self, url: str, secret: str, on_sent: Callable[[Any], None] | None = None):
        self.url, self.secret = url, secret
        self.on_sent = on_sent
        self._timers: dict[str, threading.Timer] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.url and self.secret)

    def wants(self, job) -> bool:
        """Whether the job's end is announced."""
        return self.enabled

    def send(self, job) -> None:
        deliver(self.url, self.secret, event_for(job.state(max(time.time(), job.finishes_at))))

    def schedule(self, job) -> None:
        if not self.wants(job):
            return
        timer = threading.Timer(max(0.0, job.finishes_at - time.time()), self._fire, (job,))
        timer.daemon = True
        with self._lock:
            self._timers[job.id] = timer
        timer.start()

    def cancel(self, video_id: str) -> None:
        with self._lock:
            timer = self._timers.pop(video_id, None)
        if timer:
            timer.cancel()

    def cancel_all(self) -> None:
        with self._lock:
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()

    def _fire(self, job) -> None:
        with self._lock:
            self._timers.pop(job.id, None)
        if job.deleted:
            return
        self.send(job)
        if self.on_sent is not None:
            self.on_sent(job)
