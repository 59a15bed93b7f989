import time
import uuid

import httpx

AUTH = {"authorization": "Bearer sk-test"}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def unique(prompt: str = "a lighthouse at dusk") -> str:
    return f"{prompt} #{uuid.uuid4().hex[:8]}"


def client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url + "/", headers=AUTH, timeout=10)


def create(http: httpx.Client, **fields) -> httpx.Response:
    fields.setdefault("prompt", unique())
    return http.post("videos", files={name: (None, value) for name, value in fields.items()})


def wait_until_finished(http: httpx.Client, video_id: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        video = http.get(f"videos/{video_id}").json()
        if video["status"] in ("completed", "failed"):
            return video
        time.sleep(0.1)
    raise AssertionError(f"{video_id} did not finish in {timeout}s")


def openrouter_client(server) -> httpx.Client:
    """A client of the emulator's OpenRouter side (`/api/v1`)."""
    return httpx.Client(base_url=server.openrouter_base_url + "/", headers=AUTH, timeout=10)


def submit(http: httpx.Client, **fields) -> httpx.Response:
    """POST /api/v1/videos with a JSON body; a unique prompt and sora-2 unless given."""
    fields.setdefault("prompt", unique())
    fields.setdefault("model", "sora-2")
    return http.post("videos", json=fields)


def wait_until_ended(http: httpx.Client, job_id: str, timeout: float = 10) -> dict:
    """Poll an OpenRouter-side job until it is in a terminal status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(f"videos/{job_id}").json()
        if job["status"] in ("completed", "failed", "cancelled", "expired"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"{job_id} did not end in {timeout}s")
