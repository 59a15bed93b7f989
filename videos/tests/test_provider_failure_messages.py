"""When the provider fails, its user reads a plain sentence and a stable code; the
exception, the host and the path are for the logs and the admin's job page."""

import socket
import uuid

import pytest

from catalog import services
from sora_emulator import serve_in_thread
from testing import api_for, available, entries_of, order, person
from videos.models import VideoJob

pytestmark = pytest.mark.django_db

UNAVAILABLE = {
    "detail": "The video provider is unavailable right now; your credits were returned. "
    "Try again later.",
    "code": "provider_unavailable",
}
NO_ANSWER = {
    "detail": "The video provider did not answer in time; your credits were returned. "
    "Try again later.",
    "code": "provider_unavailable",
}
# What a user must never read: exception names, errno text, hosts, ports and paths.
INTERNALS = ("Error", "Errno", "refused", "127.0.0.1", "invalid", "POST", "videos", "HTTP")


def send_orders_to(base_url: str, monkeypatch, **endpoint) -> None:
    """Point sora-2 at an endpoint at `base_url` that gives up after one try."""
    monkeypatch.setenv("BROKEN_KEY", "sk-broken")
    endpoint = {"max_retries": 0, **endpoint}
    services.put_endpoint(
        name="broken", base_url=base_url, auth_style="bearer", api_key_env="BROKEN_KEY", **endpoint
    )
    services.put_model(model_id="sora-2", endpoint="broken")


def the_user_is_told(prompt: str, expected: dict, *, technical: str, admin_client) -> None:
    alice = person("alice", credits=200)
    client = api_for(alice)
    answer = order(client, prompt=prompt)
    assert (answer.status_code, answer.json()) == (503, expected)

    job = VideoJob.objects.get(owner=alice)
    shown = client.get(f"/videos/{job.id}").json()
    assert shown["error"] == {"code": expected["code"], "message": expected["detail"]}
    assert available(alice) == 200
    for user_facing in [answer.content.decode(), str(shown), *(e.note for e in entries_of(alice))]:
        assert not [word for word in INTERNALS if word in user_facing], user_facing

    # Support sees what happened.
    assert technical in job.error_detail
    page = admin_client.get(f"/admin/videos/videojob/{job.id}/change/")
    assert technical in page.content.decode()


def test_a_refused_connection(monkeypatch, sam, client):
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        send_orders_to(f"http://127.0.0.1:{closed.getsockname()[1]}/v1", monkeypatch)
        the_user_is_told(
            "A fox in the snow", UNAVAILABLE, technical="Connection refused", admin_client=client
        )


def test_an_unknown_host(monkeypatch, sam, client):
    send_orders_to("http://videos.nonexistent.invalid/v1", monkeypatch)
    the_user_is_told(
        "A fox in the rain", UNAVAILABLE, technical="ConnectError", admin_client=client
    )


def test_a_provider_that_does_not_answer_in_time(monkeypatch, sam, client, tmp_path):
    server, base_url = serve_in_thread(job_seconds=1, create_delay=1.0, cache_dir=tmp_path)
    try:
        send_orders_to(base_url, monkeypatch, read_timeout=0.2)
        the_user_is_told(
            "A fox in the fog", NO_ANSWER, technical="ReadTimeout", admin_client=client
        )
    finally:
        server.stop()


def test_a_provider_error(monkeypatch, sam, client, sora_emulator):
    send_orders_to(sora_emulator.base_url, monkeypatch)
    the_user_is_told(
        f"A fox at night {uuid.uuid4()} [emulator:500]",
        UNAVAILABLE,
        technical="HTTP 500",
        admin_client=client,
    )


def test_a_refusal_keeps_the_providers_words(monkeypatch, sora_emulator):
    send_orders_to(sora_emulator.base_url, monkeypatch)
    alice = person("alice", credits=200)
    answer = order(api_for(alice), prompt="A fox [emulator:reject]")
    assert (answer.status_code, answer.json()) == (
        422,
        {
            "detail": "Your request was blocked by our moderation system.",
            "code": "provider_rejected",
        },
    )
    job = VideoJob.objects.get(owner=alice)
    assert job.error_code == "moderation_blocked"
    assert "HTTP 400" in job.error_detail
