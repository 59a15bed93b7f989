"""POST /webhooks/openai[/<endpoint>]: Standard Webhooks verification with that provider
endpoint's secret, and deduplication by webhook-id.

POST /webhooks/openrouter/<endpoint>: OpenRouter's `X-OpenRouter-Signature: t=<unix>,v1=<hex>`
(HMAC-SHA256 of "<t>," + the raw body with the endpoint's signing secret), deduplicated by
its `X-OpenRouter-Idempotency-Key` (`<job>-<status>`), or without one by the event type and
job (the body has no id: a redelivery is the same event about the same job). Both answer
200 (or a duplicate's 200), 400 when unverified, 404 for an unknown endpoint of that
protocol."""

import hashlib
import hmac
import json
import logging
import time
from typing import cast

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from catalog.models import DEFAULT_ENDPOINT, Protocol, ProviderEndpoint
from storycraft.errors import domain_error_response, retry_on_lost_connection
from storycraft.exceptions import NotFound
from videos import events
from videos.exceptions import UnverifiedWebhook
from videos.models import WebhookDelivery

logger = logging.getLogger(__name__)

VIDEO_EVENTS = frozenset({"video.completed", "video.failed"})
OPENROUTER_EVENTS = frozenset(
    {
        "video.generation.completed",
        "video.generation.failed",
        "video.generation.cancelled",
        "video.generation.expired",
    }
)
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
# A CharField: its max_length is set.
MAX_WEBHOOK_ID = cast(int, WebhookDelivery._meta.get_field("webhook_id").max_length)
# How far a signature's timestamp may be from now, either way (as Standard Webhooks).
TOLERANCE_SECONDS = 300


def verify_webhook(body: bytes, headers, *, secret: str) -> dict:
    """The event of a correctly signed, fresh (±300 s) delivery, or UnverifiedWebhook."""
    if not secret:
        raise UnverifiedWebhook("Webhooks are not configured.", "webhook_not_configured")
    try:
        webhook = Webhook(secret)
    except Exception as error:
        logger.error("the webhook secret is not a valid whsec_ secret: %r", error)
        raise UnverifiedWebhook("Webhooks are not configured.", "webhook_not_configured") from None
    signed = {name: headers[name] for name in SIGNATURE_HEADERS if name in headers}
    try:
        # The library raises ValueError (and kin) on malformed signatures or bodies.
        event = webhook.verify(body, signed)
    except (WebhookVerificationError, ValueError) as error:
        raise UnverifiedWebhook(f"Invalid webhook: {error}", "invalid_signature") from None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise UnverifiedWebhook("The webhook is not an event object.", "invalid_event")
    if len(signed["webhook-id"]) > MAX_WEBHOOK_ID:
        raise UnverifiedWebhook("The webhook-id is too long.", "invalid_event")
    return event


def _event_of(body: bytes) -> dict:
    try:
        event = json.loads(body)
    except ValueError:
        event = None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise UnverifiedWebhook("The webhook is not an event object.", "invalid_event")
    return event


def verify_openrouter_webhook(
    body: bytes, headers, *, secret: str, now: float | None = None
) -> tuple[dict, str]:
    """The event of a correctly signed, fresh (±300 s) OpenRouter delivery and its
    signature, or UnverifiedWebhook."""
    if not secret:
        raise UnverifiedWebhook("Webhooks are not configured.", "webhook_not_configured")
    header = headers.get("x-openrouter-signature") or ""
    timestamp, signatures = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "v1" and value:
            signatures.append(value.lower())
    if not timestamp or not timestamp.isdigit() or not signatures:
        raise UnverifiedWebhook(
            "Invalid webhook: missing or malformed X-OpenRouter-Signature.", "invalid_signature"
        )
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise UnverifiedWebhook(
            "Invalid webhook: the signature's timestamp is too old or too new.",
            "invalid_signature",
        )
    signed = timestamp.encode() + b"," + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        raise UnverifiedWebhook("Invalid webhook: no matching signature.", "invalid_signature")
    return _event_of(body), expected


def openrouter_delivery_id(event: dict, signature: str, idempotency_key: str = "") -> str:
    """What identifies an OpenRouter delivery, redeliveries included: its idempotency key,
    else its event type and job (it sends one event of a kind per job), else the signature."""
    data = event.get("data")
    data = data if isinstance(data, dict) else {}
    video_id = data.get("id") if isinstance(data.get("id"), str) else ""
    if idempotency_key:
        delivery_id = f"key:{idempotency_key}"
    elif video_id:
        delivery_id = f"{event['type']}:{video_id}"
    else:
        delivery_id = f"sig:{signature}"
    if len(delivery_id) > MAX_WEBHOOK_ID:
        delivery_id = "sha256:" + hashlib.sha256(delivery_id.encode()).hexdigest()
    return delivery_id


def record_delivery(
    *,
    endpoint: ProviderEndpoint,
    webhook_id: str,
    event: dict,
    video_events: frozenset[str] = VIDEO_EVENTS,
) -> bool:
    """Keep this delivery; False when its webhook-id was seen before (a redelivery).
    An event in `video_events` has its job refreshed once this commits."""
    data = event.get("data")
    data = data if isinstance(data, dict) else {}
    video_id = data.get("id")
    video_id = video_id if isinstance(video_id, str) else ""
    event_type = event["type"]
    with transaction.atomic():
        _, created = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint,
            webhook_id=webhook_id,
            defaults={"event_type": event_type[:64], "provider_video_id": video_id[:1024]},
        )
        if created and video_id and event_type in video_events:
            transaction.on_commit(
                lambda: events.handle_video_event(endpoint.pk, video_id, event_type)
            )
    return created


@retry_on_lost_connection  # a delivery is recorded once by its webhook-id
@csrf_exempt
@require_POST
def openai_webhook(
    request: HttpRequest, endpoint_name: str = DEFAULT_ENDPOINT
) -> HttpResponse | None:
    endpoint = ProviderEndpoint.objects.filter(name=endpoint_name, protocol=Protocol.OPENAI).first()
    if endpoint is None:
        return domain_error_response(NotFound("No such provider endpoint."))
    try:
        event = verify_webhook(request.body, request.headers, secret=endpoint.webhook_secret())
    except UnverifiedWebhook as refusal:
        logger.warning("webhook refused: %s", refusal.message)
        return domain_error_response(refusal)
    webhook_id = request.headers["webhook-id"]
    if not record_delivery(endpoint=endpoint, webhook_id=webhook_id, event=event):
        logger.info("webhook %s already handled", webhook_id)
        return JsonResponse({"detail": "Already received.", "code": "duplicate"})
    logger.info("webhook %s from %s: %s", webhook_id, endpoint, json.dumps(event.get("data")))
    return JsonResponse({"detail": "Received.", "code": "ok"})


@retry_on_lost_connection  # a delivery is recorded once by its event type and job
@csrf_exempt
@require_POST
def openrouter_webhook(request: HttpRequest, endpoint_name: str) -> HttpResponse | None:
    endpoint = ProviderEndpoint.objects.filter(
        name=endpoint_name, protocol=Protocol.OPENROUTER
    ).first()
    if endpoint is None:
        return domain_error_response(NotFound("No such OpenRouter endpoint."))
    try:
        event, signature = verify_openrouter_webhook(
            request.body, request.headers, secret=endpoint.webhook_secret()
        )
    except UnverifiedWebhook as refusal:
        logger.warning("webhook refused: %s", refusal.message)
        return domain_error_response(refusal)
    delivery_id = openrouter_delivery_id(
        event, signature, request.headers.get("x-openrouter-idempotency-key", "")
    )
    if not record_delivery(
        endpoint=endpoint, webhook_id=delivery_id, event=event, video_events=OPENROUTER_EVENTS
    ):
        logger.info("webhook %s already handled", delivery_id)
        return JsonResponse({"detail": "Already received.", "code": "duplicate"})
    logger.info("webhook %s from %s: %s", delivery_id, endpoint, json.dumps(event.get("data")))
    return JsonResponse({"detail": "Received.", "code": "ok"})
