"""A client that reuses its connection and polls every ~2 s (what docs/operating.md tells frontends
to do) while others load the server loses no request, and keeps its one connection.

With gunicorn's default keep-alive (2 s) the server closes an idle connection just as such
a client sends on it ("Server disconnected without sending a response", "Connection reset
by peer"), and a proxy's pooled upstream connections meet the same race as 502s. The web
process runs with the keep-alive of docker/entrypoint.sh, which the Procfile and the
benchmarks' gunicorn share.
"""

import os
import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter

import httpx
import pytest

from accounts.models import User
from testing import ENTRYPOINT, PASSWORD, ROOT, asgi_web, held_jobs, served_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

KEEP_ALIVE = int(re.search(r'--keep-alive "\$\{GUNICORN_KEEPALIVE:-(\d+)\}"', ENTRYPOINT)[1])
POLLS = 20
LOAD_CLIENTS = 4


def test_web_keeps_idle_connections_longer_than_proxies_and_pollers_do():
    # Above a proxy's idle timeout for its upstream connections (nginx 60 s, AWS ALB 60 s)
    # and far above the ~2 s of a polling client; the same wherever web starts.
    assert KEEP_ALIVE >= 75
    procfile_web = (ROOT / "Procfile").read_text().split("web:", 1)[1].split("\n", 1)[0]
    assert f"--keep-alive {KEEP_ALIVE}" in procfile_web
    stack = (ROOT / "benchmarks" / "stack.py").read_text()
    assert f'"--keep-alive", "{KEEP_ALIVE}"' in stack


def test_a_client_polling_every_2_s_on_one_connection_loses_no_request_under_load(tmp_path):
    # The poller signs up over HTTP and needs its welcome credits at once (no email read).
    env = served_env(tmp_path, WELCOME_CREDITS_AFTER="registration")
    with asgi_web(tmp_path, env, "--keep-alive", str(KEEP_ALIVE)) as base_url:
        signed_up = httpx.post(
            f"{base_url}/auth/register", json={"email": "poll@example.com", "password": PASSWORD}
        )
        assert signed_up.status_code == 201, signed_up.text
        auth = {"Authorization": f"Bearer {signed_up.json()['access']}"}
        [job] = held_jobs(User.objects.get(email="poll@example.com"))
        stop = threading.Event()
        load = Counter()

        def load_the_server():
            with httpx.Client(base_url=base_url, headers=auth, timeout=30) as client:
                while not stop.is_set():
                    try:
                        load[client.get("/videos").status_code] += 1
                    except httpx.TransportError as error:
                        load[repr(error)] += 1

        loaders = [threading.Thread(target=load_the_server) for _ in range(LOAD_CLIENTS)]
        for loader in loaders:
            loader.start()
        dropped, connections, gaps = [], set(), random.Random(20)
        one_connection = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        try:
            with httpx.Client(
                base_url=base_url, headers=auth, timeout=30, limits=one_connection
            ) as poller:
                for n in range(POLLS):
                    if n:
                        time.sleep(gaps.uniform(1.9, 2.2))
                    try:
                        answer = poller.get(f"/videos/{job.pk}")
                    except httpx.TransportError as error:
                        dropped.append(f"poll {n}: {error!r}")
                        continue
                    assert answer.status_code == 200, answer.text
                    stream = answer.extensions["network_stream"]
                    connections.add(stream.get_extra_info("client_addr"))
                # Idle kept-alive connections hold up no stop: the master exits well
                # within gunicorn's graceful timeout with this one still open.
                master = int(
                    subprocess.check_output(["pgrep", "-f", str(tmp_path / "web.ctl")]).split()[0]
                )
                stop.set()
                for loader in loaders:
                    loader.join(30)
                started = time.monotonic()
                os.kill(master, signal.SIGTERM)
                while _running(tmp_path / "web.ctl") and time.monotonic() - started < 30:
                    time.sleep(0.05)
                stopped_after = time.monotonic() - started
        finally:
            stop.set()
            for loader in loaders:
                loader.join(30)
    assert not dropped, dropped
    assert len(connections) == 1, f"the server closed the poller's connection: {connections}"
    assert sum(count for answer, count in load.items() if answer == 200) > POLLS, load
    assert all(answer in (200, 429) for answer in load), load
    assert stopped_after < 5, stopped_after


def _running(control_socket) -> bool:
    """Whether a process of that gunicorn (master or worker) still runs; an exited one
    that is not reaped yet has no command line, so it does not match."""
    found = subprocess.run(["pgrep", "-f", str(control_socket)], capture_output=True)
    return found.returncode == 0
