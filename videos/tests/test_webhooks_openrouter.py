"""POST /webhooks/openrouter/<endpoint>: OpenRouter's signature, freshness and deduplication.
The emulator's own signed deliveries reaching a job are in test_order_openrouter.py."""

import hashlib
import hmac
import json
import time
import uuid

import pytest

from catalog.models import Protocol, ProviderEndpoint
from catalog.services import put_endpoint
from videos import events
from videos.models import WebhookDelivery

SECRET = "or-signing-secret-for-tests"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def router(monkeypatch):
    monkeypatch.setenv("ROUTER_WEBHOOK_SECRET", SECRET)
    endpoint, _ = put_endpoint(
        name="router",
        protocol=Protocol.OPENROUTER,
        base_url="https://openrouter.example/api/v1",
        auth_style="bearer",
        webhook_secret_env="ROUTER_WEBHOOK_SECRET",
    )
    return endpoint


@pytest.fixture
def handled(monkeypatch):
    calls = []

    def record(endpoint_id, *args):
        calls.append((ProviderEndpoint.objects.get(pk=endpoint_id).name, *args))

    monkeypatch.setattr(events, "handle_video_event", record)
    return calls


def event(kind="completed", video_id=None) -> dict:
    return {
        "type": f"video.generation.{kind}",
        "created_at": "2026-12-05T07:00:00Z",
        "data": {
            "id": video_id or f"vgen_{uuid.uuid4().hex[:12]}",
            "status": kind,
            "usage": {"cost": 0.4},
        },
    }


def signed(body_event: dict, *, secret=SECRET, timestamp=None) -> tuple[bytes, dict]:
    body = json.dumps(body_event).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp},".encode() + body, hashlib.sha256)
    return body, {"HTTP_X_OPENROUTER_SIGNATURE": f"t={timestamp},v1={digest.hexdigest()}"}


def post(client, body, headers, name="router"):
    return client.post(
        f"/webhooks/openrouter/{name}", body, content_type="application/json", **headers
    )


def test_a_signed_delivery_refreshes_its_job(client, handled, django_capture_on_commit_callbacks):
    body, headers = signed(event("completed", "vgen_abc"))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, body, headers)
    assert response.status_code == 200
    assert response.json()["code"] == "ok"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_type, delivery.provider_video_id, delivery.webhook_id) == (
        "video.generation.completed",
        "vgen_abc",
        "video.generation.completed:vgen_abc",
    )
    assert handled == [("router", "vgen_abc", "video.generation.completed")]


@pytest.mark.parametrize("kind", ["failed", "cancelled", "expired"])
def test_every_end_refreshes_its_job(client, handled, django_capture_on_commit_callbacks, kind):
    body, headers = signed(event(kind, "vgen_end"))
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, body, headers).status_code == 200
    assert handled == [("router", "vgen_end", f"video.generation.{kind}")]


def test_a_redelivery_is_answered_and_ignored(client, handled, django_capture_on_commit_callbacks):
    the_event = event("completed", "vgen_twice")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, *signed(the_event)).status_code == 200
    # OpenRouter signs a retry anew: another timestamp, another signature, same event.
    with django_capture_on_commit_callbacks(execute=True):
        again = post(client, *signed(the_event, timestamp=int(time.time()) - 5))
    assert again.status_code == 200
    assert again.json()["code"] == "duplicate"
    assert WebhookDelivery.objects.count() == 1
    assert len(handled) == 1


def test_a_bad_signature_is_a_400(client, handled):
    body, headers = signed(event(), secret="somebody-else")
    response = post(client, body, headers)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert not WebhookDelivery.objects.exists() and not handled


def test_an_altered_body_is_a_400(client, handled):
    body, headers = signed(event("failed", "vgen_x"))
    response = post(client, body.replace(b"failed", b"completed"), headers)
    assert response.status_code == 400


@pytest.mark.parametrize("age", [301, -301])
def test_a_stale_or_future_timestamp_is_a_400(client, handled, age):
    body, headers = signed(event(), timestamp=int(time.time()) - age)
    response = post(client, body, headers)
    assert response.status_code == 400
    assert "too old" in response.json()["detail"]


@pytest.mark.parametrize(
    "header", ["", "v1=abc", "t=now,v1=abc", "t=1700000000", "sha256=abcdef"], ids=repr
)
def test_a_missing_or_malformed_header_is_a_400(client, handled, header):
    body, _ = signed(event())
    response = post(client, body, {"HTTP_X_OPENROUTER_SIGNATURE": header} if header else {})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"


def test_a_signed_non_event_is_a_400(client, handled):
    body = b"[1, 2]"
    timestamp = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{timestamp},".encode() + body, hashlib.sha256)
    header = f"t={timestamp},v1={digest.hexdigest()}"
    response = post(client, body, {"HTTP_X_OPENROUTER_SIGNATURE": header})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_event")


def test_without_a_secret_webhooks_are_refused(client, handled, monkeypatch):
    monkeypatch.delenv("ROUTER_WEBHOOK_SECRET")
    response = post(client, *signed(event()))
    assert (response.status_code, response.json()["code"]) == (400, "webhook_not_configured")


def test_an_unknown_or_openai_endpoint_is_a_404(client, handled):
    body, headers = signed(event())
    assert post(client, body, headers, name="nobody").status_code == 404
    # The default endpoint speaks the OpenAI protocol: not an OpenRouter webhook URL.
    assert post(client, body, headers, name="default").status_code == 404


def test_the_openai_url_does_not_take_an_openrouter_endpoint(client, handled):
    body, headers = signed(event())
    response = client.post(
        "/webhooks/openai/router", body, content_type="application/json", **headers
    )
    assert response.status_code == 404


def test_the_idempotency_key_identifies_a_delivery(
    client, handled, django_capture_on_commit_callbacks
):
    the_event = event("completed", "vgen_keyed")
    key = {"HTTP_X_OPENROUTER_IDEMPOTENCY_KEY": "vgen_keyed-completed"}
    body, headers = signed(the_event)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, body, {**headers, **key}).status_code == 200
        body, headers = signed(the_event, timestamp=int(time.time()) - 3)
        again = post(client, body, {**headers, **key})
    assert again.json()["code"] == "duplicate"
    assert WebhookDelivery.objects.get().webhook_id == "key:vgen_keyed-completed"
    assert len(handled) == 1
