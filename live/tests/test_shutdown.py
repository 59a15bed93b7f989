"""Stopping the web process ends its open event streams at once instead of waiting for
gunicorn's graceful timeout (30 s in production) to kill the worker."""

import os
import signal
import subprocess
import time

import httpx
import pytest

from testing import EventReader, api_for, asgi_web, person, served_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_stopping_the_web_process_ends_its_streams_promptly(tmp_path):
    env = served_env(
        tmp_path,
    )
    ticket = api_for(person("ann")).post("/auth/stream-ticket").json()["ticket"]
    with asgi_web(tmp_path, env, "--graceful-timeout", "30") as base_url:
        client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(10, read=20))
        response = client.send(
            client.build_request("GET", "/events", params={"ticket": ticket}), stream=True
        )
        reader = EventReader(response)
        reader.wait_for_comment("connected")
        master = int(subprocess.check_output(["pgrep", "-f", str(tmp_path / "web.ctl")]).split()[0])
        started = time.monotonic()
        os.kill(master, signal.SIGTERM)
        # The stream ends cleanly (no more lines) well before the graceful timeout.
        remaining = reader.rest()
        ended_after = time.monotonic() - started
        response.close()
    assert ended_after < 5, ended_after
    assert all(line.startswith(":") or line == "" for line in remaining), remaining
