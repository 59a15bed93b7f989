"""Bounded streams, over real HTTP against the ASGI web process (1 s heartbeats): at most
LIVE_MAX_STREAMS_PER_USER per user, and a stream ends within a heartbeat once its user is
deactivated, deleted or logged out everywhere."""

import time
from contextlib import ExitStack, contextmanager

import httpx
import pytest
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import User
from live.models import OpenStream
from testing import PASSWORD, EventReader, api_for, asgi_web, person, served_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# The web fixture's heartbeat is 1 s; a check takes a query on a loaded machine.
WITHIN_A_HEARTBEAT = 4


@contextmanager
def stream(web, ticket: str):
    with (
        httpx.Client(base_url=web, timeout=httpx.Timeout(10, read=5)) as client,
        client.stream("GET", "/events", params={"ticket": ticket}) as response,
    ):
        assert response.status_code == 200, response.read()
        reader = EventReader(response)
        reader.wait_for_comment("connected")
        yield reader


def ticket_for(user) -> str:
    return api_for(user).post("/auth/stream-ticket").json()["ticket"]


def ends_soon(reader: EventReader) -> float:
    """Seconds until the server closed the stream (it says `: closed` first)."""
    started = time.monotonic()
    reader.wait_for_comment("closed", timeout=WITHIN_A_HEARTBEAT + 1)
    assert reader.rest() == [""]  # then the response ends
    return time.monotonic() - started


def stays_open(reader: EventReader) -> None:
    reader.wait_for_comment("heartbeat", timeout=3)


def test_a_sixth_stream_closes_the_first(web):
    ann, bob = person("ann"), person("bob")
    with ExitStack() as streams:
        first, *others = [streams.enter_context(stream(web, ticket_for(ann))) for _ in range(5)]
        bobs = streams.enter_context(stream(web, ticket_for(bob)))
        assert OpenStream.objects.filter(user=ann).count() == 5
        stays_open(first)

        sixth = streams.enter_context(stream(web, ticket_for(ann)))
        assert ends_soon(first) <= WITHIN_A_HEARTBEAT
        for reader in (*others, sixth, bobs):
            stays_open(reader)
        assert OpenStream.objects.filter(user=ann).count() == 5


def test_a_closed_stream_is_forgotten(web):
    ann = person("ann")
    with stream(web, ticket_for(ann)) as reader:
        stays_open(reader)
        assert OpenStream.objects.filter(user=ann).count() == 1
    deadline = time.monotonic() + 10
    while OpenStream.objects.filter(user=ann).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not OpenStream.objects.filter(user=ann).exists()


def test_a_deactivated_users_stream_ends_within_a_heartbeat(web):
    ann = person("ann")
    with stream(web, ticket_for(ann)) as reader:
        stays_open(reader)
        User.objects.filter(pk=ann.pk).update(is_active=False)
        assert ends_soon(reader) <= WITHIN_A_HEARTBEAT


def test_a_deleted_users_stream_ends_within_a_heartbeat(web, settings):
    settings.WELCOME_CREDITS = 0  # no ledger entries, which would protect the user
    ann = person("ann")
    with stream(web, ticket_for(ann)) as reader:
        stays_open(reader)
        ann.delete()
        assert ends_soon(reader) <= WITHIN_A_HEARTBEAT


def test_logging_out_everywhere_ends_the_users_streams(web):
    ann, bob = person("ann"), person("bob")
    with httpx.Client(base_url=web, timeout=10) as api:
        tokens = api.post("/auth/login", json={"email": ann.email, "password": PASSWORD}).json()
        bearer = {"Authorization": f"Bearer {tokens['access']}"}
        tickets = [api.post("/auth/stream-ticket", headers=bearer).json()["ticket"] for _ in "ab"]
        with ExitStack() as streams:
            readers = [streams.enter_context(stream(web, ticket)) for ticket in tickets]
            bobs = streams.enter_context(stream(web, ticket_for(bob)))
            stays_open(readers[0])
            logout = api.post(
                "/auth/logout", json={"refresh": tokens["refresh"], "everywhere": True}
            )
            assert logout.status_code == 205
            for reader in readers:
                assert ends_soon(reader) <= WITHIN_A_HEARTBEAT
            stays_open(bobs)


@pytest.mark.django_db
def test_stream_tickets_are_throttled_per_user(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"stream_ticket": "3/minute"})
    ann, bob = api_for(person("ann")), api_for(person("bob"))
    assert [ann.post("/auth/stream-ticket").status_code for _ in range(3)] == [201] * 3
    refused = ann.post("/auth/stream-ticket")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert bob.post("/auth/stream-ticket").status_code == 201


def test_a_polling_stream_ends_too(tmp_path):
    """Without LISTEN (SQLite under `make run`) the stream looks each second."""
    env = served_env(tmp_path, LIVE_LISTEN="false", LIVE_HEARTBEAT_SECONDS="1")
    ann = person("ann")
    with asgi_web(tmp_path, env) as base_url, stream(base_url, ticket_for(ann)) as reader:
        stays_open(reader)
        User.objects.filter(pk=ann.pk).update(is_active=False)
        assert ends_soon(reader) <= WITHIN_A_HEARTBEAT
