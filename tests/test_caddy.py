"""Behind a real Caddy (docker/Caddyfile, as compose runs it) in front of a real gunicorn:
the throttles see the real client, a spoofed X-Forwarded-For changes nothing, a client
reusing its connections never gets a 502, and oversized bodies stop at Caddy.

Clients connect from 127.0.0.2 and 127.0.0.3, Caddy from 127.0.0.1 (the only trusted
proxy), so the three addresses tell apart who the throttle counts.
"""

import os
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from testing import (
    ROOT,
    EventReader,
    api_for,
    asgi_web,
    free_port,
    person,
    served_env,
    started_process,
)

CADDYFILE = ROOT / "docker" / "Caddyfile"
LOGIN = {"email": "mallory@example.com", "password": "guess"}

pytestmark = [
    pytest.mark.proxy,
    pytest.mark.django_db(transaction=True),
    # On a developer's machine without caddy these skip; CI (.ci/run installs it) never does.
    pytest.mark.skipif(
        shutil.which("caddy") is None and not os.environ.get("CI"),
        reason="needs caddy (apt-get install caddy; .ci/run installs it)",
    ),
]


@contextmanager
def caddy(tmp_path: Path, upstream: str, **env: str) -> Iterator[str]:
    """`caddy run` on docker/Caddyfile, serving plain http on a free port in front of
    `upstream`; yields its base URL."""
    base_url = f"http://127.0.0.1:{free_port()}"
    home = tmp_path / "caddy-home"
    home.mkdir(exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home),
        "XDG_CONFIG_HOME": str(home),
        "SITE_ADDRESS": base_url,
        "WEB_UPSTREAM": upstream,
        "CADDY_ADMIN": "off",  # no fixed admin port: tests run side by side
        **env,
    }
    with started_process(
        ["caddy", "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        ready=f"{base_url}/healthz",
        log=tmp_path / "caddy.log",
        env=environment,
    ):
        yield base_url


@contextmanager
def behind_caddy(tmp_path: Path, *gunicorn_args: str, caddy_env=None, **web_env) -> Iterator[str]:
    env = served_env(tmp_path, TRUSTED_PROXIES="127.0.0.1", **web_env)
    with asgi_web(tmp_path, env, *gunicorn_args) as web:
        upstream = web.removeprefix("http://")
        with caddy(tmp_path, upstream, **(caddy_env or {})) as proxy:
            yield proxy


def client_from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=15)


def test_the_throttle_sees_the_real_client_and_ignores_a_spoofed_header(tmp_path):
    with (
        behind_caddy(tmp_path, AUTH_THROTTLE_RATE="3/minute") as proxy,
        client_from("127.0.0.2") as mallory,
        client_from("127.0.0.3") as carol,
    ):
        for n in range(3):
            spoofed = {"X-Forwarded-For": f"198.51.100.{n}"}
            response = mallory.post(f"{proxy}/auth/login", json=LOGIN, headers=spoofed)
            assert response.status_code == 401, response.text
        for headers in ({}, {"X-Forwarded-For": "203.0.113.9"}, {"X-Real-IP": "203.0.113.9"}):
            refused = mallory.post(f"{proxy}/auth/login", json=LOGIN, headers=headers)
            assert refused.status_code == 429, (headers, refused.text)
        # Another client behind the same proxy has a count of its own: not the proxy's.
        assert carol.post(f"{proxy}/auth/login", json=LOGIN).status_code == 401


def test_a_client_reusing_connections_gets_no_502(tmp_path):
    # Web drops an idle connection after 2 s, Caddy after 1 s (WEB_KEEPALIVE, as the
    # Caddyfile keeps it below web's): pauses around web's keep-alive never meet a
    # connection web is closing. POSTs, which Caddy can't retry by itself.
    pauses = [1.9, 2.0, 2.05, 2.1, 1.95, 2.0, 2.02, 1.98]
    with (
        behind_caddy(
            tmp_path,
            "--keep-alive",
            "2",
            caddy_env={"WEB_KEEPALIVE": "1s"},
            AUTH_THROTTLE_RATE="1000/minute",
        ) as proxy,
        client_from("127.0.0.2") as client,
    ):
        statuses = []
        for pause in pauses:
            statuses.append(client.post(f"{proxy}/auth/login", json=LOGIN).status_code)
            time.sleep(pause)
        statuses.append(client.post(f"{proxy}/auth/login", json=LOGIN).status_code)
    assert statuses == [401] * (len(pauses) + 1)


def test_an_oversized_body_stops_at_caddy_and_a_large_one_gets_the_apis_413(tmp_path):
    with behind_caddy(tmp_path) as proxy, client_from("127.0.0.2") as client:
        huge = b"{" + b" " * (3 * 1024 * 1024) + b"}"
        headers = {"Content-Type": "application/json"}
        refused = client.post(f"{proxy}/auth/login", content=huge, headers=headers)
        assert refused.status_code == 413
        assert refused.json()["code"] == "request_too_large"
        large = b"{" + b" " * (1024 * 1024 + 10) + b"}"
        answer = client.post(f"{proxy}/auth/login", content=large, headers=headers)
        assert answer.status_code == 413
        assert answer.json()["code"] == "request_too_large"


def test_a_client_trickling_its_headers_is_cut_off(tmp_path):
    # Without a proxy in front, such a client held a gunicorn connection for as long as
    # it liked. Caddy gives the whole header 10 s (read_header).
    with behind_caddy(tmp_path) as proxy:
        port = int(proxy.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
            started = time.monotonic()
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            closed_after = None
            for _ in range(20):
                try:
                    connection.sendall(b"X")  # one byte of a header line a second
                except OSError:
                    closed_after = time.monotonic() - started
                    break
                time.sleep(1)
                # A 408, or nothing, then the close.
                connection.setblocking(False)
                try:
                    if connection.recv(4096) == b"":
                        closed_after = time.monotonic() - started
                        break
                except BlockingIOError:
                    pass
                except OSError:
                    closed_after = time.monotonic() - started
                    break
                finally:
                    connection.setblocking(True)
    assert closed_after is not None, "Caddy kept a trickling client for 20 s"
    assert 9 <= closed_after <= 14


def test_an_event_stream_passes_through_at_once(tmp_path, django_db_blocker):
    ann = person("ann")
    with behind_caddy(tmp_path, LIVE_HEARTBEAT_SECONDS="1") as proxy:
        ticket = api_for(ann).post("/auth/stream-ticket").json()["ticket"]
        with (
            client_from("127.0.0.2") as client,
            client.stream("GET", f"{proxy}/events", params={"ticket": ticket}) as response,
        ):
            assert response.status_code == 200
            reader = EventReader(response)
            reader.wait_for_comment("connected", timeout=5)
            reader.wait_for_comment("heartbeat", timeout=5)
