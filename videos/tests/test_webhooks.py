"""POST /webhooks/openai: Standard Webhooks signatures, freshness and deduplication."""

import base64
import json
import time
import uuid
from datetime import datetime

import pytest
from standardwebhooks.webhooks import Webhook

from catalog.models import ProviderEndpoint
from catalog.services import put_endpoint
from testing import api_for, entries_of, order, person, wait_until
from videos import events
from videos.models import JobStatus, VideoJob, WebhookDelivery

SECRET = "whsec_" + base64.b64encode(b"storycraft-webhook-test-secret!!").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"somebody-else-entirely-secret!!!").decode()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def configured(settings):
    settings.OPENAI_WEBHOOK_SECRET = SECRET


@pytest.fixture
def handled(monkeypatch):
    calls = []

    def record(endpoint_id, *args):
        calls.append((ProviderEndpoint.objects.get(pk=endpoint_id).name, *args))

    monkeypatch.setattr(events, "handle_video_event", record)
    return calls


def signed(event: dict, *, secret=SECRET, webhook_id=None, timestamp=None) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    webhook_id = webhook_id or f"wh_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = Webhook(secret).sign(webhook_id, datetime.fromtimestamp(timestamp), body.decode())
    headers = {
        "HTTP_WEBHOOK_ID": webhook_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(timestamp),
        "HTTP_WEBHOOK_SIGNATURE": signature,
    }
    return body, headers


def completed(video_id="video_abc") -> dict:
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "created_at": int(time.time()),
        "type": "video.completed",
        "data": {"id": video_id},
    }


def post(client, body, headers):
    return client.post("/webhooks/openai", body, content_type="application/json", **headers)


def test_it_accepts_a_valid_delivery(client, handled, django_capture_on_commit_callbacks):
    body, headers = signed(completed("video_123"))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, body, headers)
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_type, delivery.provider_video_id) == ("video.completed", "video_123")
    assert delivery.webhook_id == headers["HTTP_WEBHOOK_ID"]
    assert handled == [("default", "video_123", "video.completed")]


def test_it_answers_on_the_path_with_a_trailing_slash(client, handled):
    body, headers = signed(completed())
    assert client.post("/webhooks/openai/", body, "application/json", **headers).status_code == 200


def test_it_hands_on_a_failed_video(client, handled, django_capture_on_commit_callbacks):
    event = {**completed("video_9"), "type": "video.failed"}
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, *signed(event)).status_code == 200
    assert handled == [("default", "video_9", "video.failed")]


def test_it_records_but_does_not_hand_on_other_events(
    client, handled, django_capture_on_commit_callbacks
):
    event = {**completed(), "type": "batch.completed"}
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, *signed(event)).status_code == 200
    assert WebhookDelivery.objects.count() == 1
    assert handled == []


def test_it_accepts_one_good_signature_among_several(client, handled):
    body, headers = signed(completed())
    _, wrong = signed(json.loads(body), secret=OTHER_SECRET, webhook_id=headers["HTTP_WEBHOOK_ID"])
    headers["HTTP_WEBHOOK_SIGNATURE"] = (
        f"{wrong['HTTP_WEBHOOK_SIGNATURE']} {headers['HTTP_WEBHOOK_SIGNATURE']}"
    )
    assert post(client, body, headers).status_code == 200


def test_it_refuses_a_wrong_secret(client, handled):
    response = post(client, *signed(completed(), secret=OTHER_SECRET))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert not WebhookDelivery.objects.exists()


def test_it_refuses_a_stale_timestamp(client, handled):
    response = post(client, *signed(completed(), timestamp=int(time.time()) - 301))
    assert response.status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_it_refuses_a_timestamp_from_the_future(client, handled):
    assert post(client, *signed(completed(), timestamp=int(time.time()) + 301)).status_code == 400


def test_it_refuses_a_tampered_body(client, handled):
    body, headers = signed(completed("video_1"))
    assert post(client, body.replace(b"video_1", b"video_2"), headers).status_code == 400


@pytest.mark.parametrize(
    "header",
    ["HTTP_WEBHOOK_SIGNATURE", "HTTP_WEBHOOK_TIMESTAMP", "HTTP_WEBHOOK_ID"],
)
def test_it_refuses_a_missing_header(client, handled, header):
    body, headers = signed(completed())
    del headers[header]
    response = post(client, body, headers)
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("HTTP_WEBHOOK_SIGNATURE", "garbage"),
        ("HTTP_WEBHOOK_SIGNATURE", "v1,not-base64!!"),
        ("HTTP_WEBHOOK_TIMESTAMP", "yesterday"),
    ],
)
def test_it_refuses_a_malformed_header(client, handled, header, value):
    body, headers = signed(completed())
    headers[header] = value
    assert post(client, body, headers).status_code == 400


def test_it_refuses_a_signed_body_that_is_not_json(client, handled):
    webhook_id, timestamp = "wh_x", int(time.time())
    signature = Webhook(SECRET).sign(webhook_id, datetime.fromtimestamp(timestamp), "not json")
    headers = {
        "HTTP_WEBHOOK_ID": webhook_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(timestamp),
        "HTTP_WEBHOOK_SIGNATURE": signature,
    }
    assert post(client, b"not json", headers).status_code == 400


def test_a_replayed_id_is_acknowledged_and_ignored(
    client, handled, django_capture_on_commit_callbacks
):
    body, headers = signed(completed("video_5"))
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, body, headers)
        again = post(client, body, headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["code"] == "duplicate"
    assert WebhookDelivery.objects.count() == 1
    assert handled == [("default", "video_5", "video.completed")]


@pytest.mark.parametrize("secret", ["", "whsec_"])
def test_it_refuses_everything_without_a_secret(client, handled, settings, secret):
    body, headers = signed(completed())
    settings.OPENAI_WEBHOOK_SECRET = secret
    response = post(client, body, headers)
    assert response.status_code == 400
    assert response.json()["code"] == "webhook_not_configured"


def test_it_only_takes_post(client):
    assert client.get("/webhooks/openai").status_code == 405


def test_a_verified_completion_webhook_completes_and_settles_the_job(
    sora_provider, client, django_capture_on_commit_callbacks
):
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(pk=order(api_for(alice), prompt="told by webhook").json()["id"])
    wait_until(lambda: sora_provider.retrieve(job.provider_video_id).status == "completed")
    body, headers = signed(completed(job.provider_video_id))

    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, body, headers).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, body, headers).status_code == 200  # the provider's redelivery

    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.charge_status == "settled"
    assert len(entries_of(alice, "settle")) == 1


def test_each_endpoint_verifies_with_its_own_secret(
    client, handled, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("GATEWAY_WEBHOOK_SECRET", OTHER_SECRET)
    put_endpoint(
        name="gateway",
        base_url="http://gateway.internal/v1",
        auth_style="bearer",
        webhook_secret_env="GATEWAY_WEBHOOK_SECRET",
    )
    body, headers = signed(completed("video_gw"), secret=OTHER_SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/webhooks/openai/gateway", body, content_type="application/json", **headers
        )
    assert response.status_code == 200
    assert handled == [("gateway", "video_gw", "video.completed")]
    # The default endpoint's URL does not take the gateway's signature, nor the reverse.
    assert post(client, *signed(completed(), secret=OTHER_SECRET)).status_code == 400
    body, headers = signed(completed())
    wrong = client.post(
        "/webhooks/openai/gateway", body, content_type="application/json", **headers
    )
    assert wrong.status_code == 400


def test_one_webhook_id_may_come_from_two_endpoints(client, handled, monkeypatch):
    monkeypatch.setenv("GATEWAY_WEBHOOK_SECRET", SECRET)
    put_endpoint(
        name="gateway",
        base_url="http://gateway.internal/v1",
        auth_style="bearer",
        webhook_secret_env="GATEWAY_WEBHOOK_SECRET",
    )
    body, headers = signed(completed(), webhook_id="wh_same")
    assert post(client, body, headers).json()["code"] == "ok"
    again = client.post(
        "/webhooks/openai/gateway", body, content_type="application/json", **headers
    )
    assert again.json()["code"] == "ok"
    assert WebhookDelivery.objects.filter(webhook_id="wh_same").count() == 2


def test_an_unknown_endpoint_is_a_404(client):
    body, headers = signed(completed())
    response = client.post(
        "/webhooks/openai/nobody", body, content_type="application/json", **headers
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
