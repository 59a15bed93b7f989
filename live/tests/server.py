"""The web process as production runs it: gunicorn with a uvicorn worker on storycraft.asgi,
and a small Server-Sent Events reader for plain HTTP clients."""

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from testing import ROOT, gunicorn, served_env, shared_database_url

ENTRYPOINT = (ROOT / "docker" / "entrypoint.sh").read_text()


@contextmanager
def asgi_web(tmp_path: Path, env: dict, *args: str, name: str = "web") -> Iterator[str]:
    """gunicorn serving storycraft.asgi with the entry point's worker class, on a free
    port and with its own control socket; yields its base URL."""
    (worker_class,) = re.findall(r"--worker-class (\S+)", ENTRYPOINT)
    with gunicorn(
        tmp_path,
        env,
        "--worker-class",
        worker_class,
        "--logger-class",
        "storycraft.logs.GunicornLogger",
        *args,
        name=name,
        app="storycraft.asgi:application",
    ) as base_url:
        yield base_url


@contextmanager
def serve_test_web(tmp_path: Path, django_db_blocker, sora_emulator) -> Iterator[str]:
    """`asgi_web` on pytest-django's database, the emulator as provider, 1 s heartbeats."""
    with django_db_blocker.unblock():
        database_url = shared_database_url()
    env = served_env(
        tmp_path,
        database_url=database_url,
        LIVE_HEARTBEAT_SECONDS="1",
        OPENAI_BASE_URL=sora_emulator.base_url,
        OPENAI_API_KEY=sora_emulator.api_key,
    )
    with asgi_web(tmp_path, env) as base_url:
        yield base_url


@dataclass
class Event:
    event: str
    id: str | None
    data: str

    @property
    def job(self) -> dict:
        return json.loads(self.data)


class EventReader:
    """Reads an open `text/event-stream` response: events, and comment lines apart."""

    def __init__(self, response: httpx.Response):
        self.response = response
        self.comments: list[str] = []
        self._lines = response.iter_lines()

    def next_event(self, timeout: float = 10) -> Event:
        deadline = time.monotonic() + timeout
        fields: dict[str, list[str]] = {}
        for line in self._lines:
            if time.monotonic() > deadline:
                break
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
            elif line == "":
                if "data" in fields:
                    return Event(
                        event=fields.get("event", ["message"])[-1],
                        id=fields.get("id", [None])[-1],
                        data="\n".join(fields["data"]),
                    )
                fields = {}
            else:
                name, _, value = line.partition(":")
                fields.setdefault(name, []).append(value.removeprefix(" "))
        raise AssertionError(f"no event within {timeout} s (comments: {self.comments[-5:]})")

    def rest(self) -> list[str]:
        """Every line until the server ends the stream."""
        return list(self._lines)

    def wait_for_comment(self, text: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        for line in self._lines:
            if line.startswith(":") and line[1:].strip() == text:
                return
            if time.monotonic() > deadline:
                break
        raise AssertionError(f"no ': {text}' within {timeout} s")
