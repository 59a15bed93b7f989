"""Live job updates (GET /events) against the web process as production runs it.

- **latency**: a provider's `video.completed` webhook reaches StoryCraft; how long until a
  client learns the video is ready, by its event stream and, in the same run and for the
  same jobs, by polling `GET /videos/{id}` once a second (with ETag), as a page without
  the stream would.
- **idle streams**: 2,000 event streams held open at once by one web process (one
  gunicorn uvicorn worker): its RSS per stream, and every stream still answering its
  heartbeats; the baseline is what the same number of idle threads costs (the
  thread-per-request model the stream replaces), measured in a child process.

PostgreSQL is needed (LISTEN/NOTIFY): the server on 127.0.0.1:5432 when it answers (a
private database, dropped after), else a throwaway one from the `pgserver` package.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx

from benchmarks.common import Result, size_text, time_text
from benchmarks.stack import private_database, server_url, web_process

ROUNDS = 15
POLL_SECONDS = 1.0
STREAMS = 2000
LATENCY_BUDGET = 0.3
# A stream holds a whole request (Django's request, uvicorn's connection, two tasks); the
# baseline is a bare idle thread, the least a thread per stream would add on top of that.
# The target catches a stream that holds a thread or a database connection of its own.
TARGET_RSS_RATIO = 8.0
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"storycraft-benchmark-secret!!").decode()


def run(base_url: str, workdir: Path) -> list[Result]:
    # A database of its own: the web process migrates it and listens on it.
    server = server_url(os.environ.get("DATABASE_URL"))
    with (
        private_database(server, purpose="live", use=False) as database_url,
        web_process(
            workdir,
            migrate=True,
            DATABASE_URL=database_url,
            OPENAI_BASE_URL=base_url,
            OPENAI_API_KEY="sk-emulator",
            OPENAI_WEBHOOK_SECRET=WEBHOOK_SECRET,
            # The webhook's follow-up (refresh, download, complete) runs in the web process
            # instead of a worker: what is measured is the path from webhook to client.
            Q_SYNC="true",
            LIVE_HEARTBEAT_SECONDS="5",
            AUTH_THROTTLE_RATE="10000/minute",
            # 2,000 streams of 20 users: what a stream costs, not the per-user limits.
            LIVE_MAX_STREAMS_PER_USER="1000",
            LIVE_TICKET_THROTTLE_RATE="100000/minute",
            MAX_JOBS_IN_FLIGHT="1000",
            WELCOME_CREDITS="100000",
            WELCOME_CREDITS_AFTER="registration",  # no verification email opened here
        ) as web,
    ):
        results = latency(web.url, base_url)
        results += idle_streams(web.url, web.pid)
    return results


def sign_up(client: httpx.Client, name: str) -> dict:
    response = client.post(
        "/auth/register",
        json={"email": f"{name}-{uuid.uuid4().hex[:8]}@example.com", "password": "a long pass"},
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access']}"}


def ticket(client: httpx.Client, auth: dict) -> str:
    response = client.post("/auth/stream-ticket", headers=auth)
    response.raise_for_status()
    return response.json()["ticket"]


# --- latency ------------------------------------------------------------------------------


def latency(web: str, emulator_url: str) -> list[Result]:
    client = httpx.Client(base_url=web, timeout=30)
    emulator = httpx.Client(
        base_url=emulator_url, timeout=30, headers={"Authorization": "Bearer sk-emulator"}
    )
    auth = sign_up(client, "latency")
    arrivals: dict[str, float] = {}
    from_completion: dict[str, float] = {}  # the job's completed_at (server clock) to event
    ready = threading.Event()

    def listen() -> None:
        params = {"ticket": ticket(client, auth)}
        timeout = httpx.Timeout(30, read=None)
        with httpx.stream("GET", f"{web}/events", params=params, timeout=timeout) as stream:
            ready.set()
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    job = json.loads(line[6:])
                    if job["status"] == "completed" and job["id"] not in arrivals:
                        arrivals[job["id"]] = time.monotonic()
                        completed_at = datetime.fromisoformat(job["completed_at"]).timestamp()
                        from_completion[job["id"]] = time.time() - completed_at

    threading.Thread(target=listen, daemon=True).start()
    ready.wait(10)
    by_stream, by_polling = [], []
    for round_ in range(ROUNDS):
        job = client.post(
            "/videos",
            json={"prompt": f"Benchmark lighthouse {round_} {uuid.uuid4()}", "seconds": 4},
            headers=auth,
        ).json()
        video_id = emulator.get("/videos", params={"limit": 1}).json()["data"][0]["id"]
        while emulator.get(f"/videos/{video_id}").json()["status"] != "completed":
            time.sleep(0.1)
        # The emulator encodes a video on its first download: do it now, so both clients
        # wait for StoryCraft, not for the encoder.
        emulator.get(f"/videos/{video_id}/content")
        polled = {}
        poller = threading.Thread(target=_poll, args=(web, auth, job["id"], polled), daemon=True)
        poller.start()
        time.sleep(POLL_SECONDS * (round_ % 7) / 7)  # webhooks land anywhere in a poll cycle
        sent = time.monotonic()
        _send_webhook(client, video_id)
        poller.join(30)
        deadline = time.monotonic() + 10
        while job["id"] not in arrivals and time.monotonic() < deadline:
            time.sleep(0.01)
        by_stream.append(arrivals.get(job["id"], float("inf")) - sent)
        by_polling.append(polled.get("at", float("inf")) - sent)
    stream_p50, polling_p50 = statistics.median(by_stream), statistics.median(by_polling)
    after_commit = statistics.median(from_completion.values()) if from_completion else float("inf")
    note = (
        f"{ROUNDS} jobs; stream p90 {time_text(sorted(by_stream)[int(ROUNDS * 0.9)])}; "
        f"job completed -> event p50 {time_text(after_commit)}"
    )
    print(f"  latency: {note}")
    return [
        Result("webhook -> client, p50", stream_p50, polling_p50, 0.5, time_text, note),
        Result("webhook -> event p50 vs 0.3 s", stream_p50, LATENCY_BUDGET, 1.0, time_text),
        # The part the stream adds: from the job's commit as completed to the client.
        Result("completed -> event p50 vs 0.3 s", after_commit, LATENCY_BUDGET, 1.0, time_text),
    ]


def _poll(web: str, auth: dict, job_id: str, polled: dict) -> None:
    etag = None
    with httpx.Client(base_url=web, timeout=30, headers=auth) as client:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            headers = {"If-None-Match": etag} if etag else {}
            response = client.get(f"/videos/{job_id}", headers=headers)
            if response.status_code == 200:
                etag = response.headers.get("ETag")
                if response.json()["status"] == "completed":
                    polled["at"] = time.monotonic()
                    return
            time.sleep(POLL_SECONDS)


def _send_webhook(client: httpx.Client, video_id: str) -> None:
    webhook_id, timestamp = f"wh_{uuid.uuid4().hex}", int(time.time())
    body = json.dumps(
        {"id": f"evt_{uuid.uuid4().hex}", "type": "video.completed", "data": {"id": video_id}}
    ).encode()
    key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
    signature = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256)
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(signature.digest()).decode(),
        "content-type": "application/json",
    }
    client.post("/webhooks/openai", content=body, headers=headers).raise_for_status()


# --- idle streams -------------------------------------------------------------------------


def rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024


def idle_streams(web: str, pid: int) -> list[Result]:
    client = httpx.Client(base_url=web, timeout=30)
    users = [sign_up(client, f"idle{n}") for n in range(20)]
    # 200 streams opened and closed first: the listener, the code paths and the threads
    # that serve the tickets' (synchronous) requests are warm and their memory counted.
    asyncio.run(_hold(web, users * 10, hold=0))
    before = rss(pid)
    opened, alive, errors, during = asyncio.run(
        _hold(
            web, [users[n % len(users)] for n in range(STREAMS)], hold=12, measure=lambda: rss(pid)
        )
    )
    per_stream = (during - before) / STREAMS
    thread = _rss_per_idle_thread(STREAMS)
    note = f"{opened} opened, {alive} heartbeating after 12 s, {errors} errors"
    print(f"  idle streams: {note}; web RSS {size_text(before)} -> {size_text(during)}")
    healthy = opened == alive == STREAMS and errors == 0
    return [
        Result(
            f"{STREAMS} idle streams, RSS each",
            per_stream if healthy else float("inf"),
            thread,
            TARGET_RSS_RATIO,
            size_text,
            note,
        )
    ]


async def _hold(web: str, auths: list[dict], *, hold: float, measure=None):
    """Open one stream per entry of `auths` (a ticket each, then the stream at once),
    hold them all `hold` seconds, then check that each got a heartbeat meanwhile."""
    host, port = web.removeprefix("http://").split(":")
    opened = alive = errors = 0
    connections = []
    semaphore = asyncio.Semaphore(50)

    async def open_one(client: httpx.AsyncClient, auth: dict):
        nonlocal opened, errors
        async with semaphore:
            try:
                response = await client.post("/auth/stream-ticket", headers=auth)
                ticket = response.raise_for_status().json()["ticket"]
                reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(
                    f"GET /events?ticket={ticket} HTTP/1.1\r\nHost: {host}\r\n"
                    "Accept: text/event-stream\r\n\r\n".encode()
                )
                head = await asyncio.wait_for(reader.readuntil(b": connected\n\n"), 60)
                if b" 200 " not in head.split(b"\r\n", 1)[0]:
                    raise RuntimeError(head[:100])
                opened += 1
                connections.append((reader, writer))
            except Exception as error:
                errors += 1
                if errors <= 3:
                    print(f"  stream failed: {error!r}")

    # A new connection per ticket: a kept-alive one may be closed by the server (after its
    # keep-alive) just as it is reused, which would count here as a stream error.
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=web, timeout=60, limits=no_reuse) as client:
        await asyncio.gather(*(open_one(client, auth) for auth in auths))
    during = measure() if measure else 0
    if hold:
        await asyncio.sleep(hold)

        async def heartbeat(reader) -> bool:
            try:
                data = await asyncio.wait_for(reader.read(65536), 10)
                return b": heartbeat" in data
            except Exception:
                return False

        beats = await asyncio.gather(*(heartbeat(reader) for reader, _ in connections))
        alive = sum(beats)
        during = max(during, measure())
    for _, writer in connections:
        writer.close()
    return opened, alive, errors, during


_THREADS = """
import re, sys, threading
from pathlib import Path
def rss():
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\\s+(\\d+) kB", status).group(1)) * 1024
stop = threading.Event()
before = rss()
threads = [threading.Thread(target=stop.wait) for _ in range(int(sys.argv[1]))]
for thread in threads: thread.start()
print((rss() - before) / len(threads))
stop.set()
"""


def _rss_per_idle_thread(count: int) -> float:
    result = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, "-c", _THREADS, str(count)], capture_output=True, text=True, check=True
    )
    return float(result.stdout)
