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
