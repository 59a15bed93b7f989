"""POST /webhooks/openai[/<endpoint>]: Standard Webhooks verification with that provider
endpoint's secret, and deduplication by webhook-id."""

import json
import logging

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from catalog.models import DEFAULT_ENDPOINT, ProviderEndpoint
from storycraft.errors import domain_error_response, retry_on_lost_connection
from storycraft.exceptions import NotFound
from videos import events
from videos.exceptions import UnverifiedWebhook
from videos.models import WebhookDelivery

logger = logging.getLogger(__name__)

VIDEO_EVENTS = frozenset({"video.completed", "video.failed"})
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
MAX_WEBHOOK_ID = WebhookDelivery._meta.get_field("webhook_id").max_length


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


def record_delivery(*, endpoint: ProviderEndpoint, webhook_id: str, event: dict) -> bool:
    """Keep this delivery; False when its webhook-id was seen before (a redelivery)."""
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    video_id = data.get("id") if isinstance(data.get("id"), str) else ""
    event_type = event["type"]
    with transaction.atomic():
        _, created = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint,
            webhook_id=webhook_id,
            defaults={"event_type": event_type[:64], "provider_video_id": video_id[:1024]},
        )
        if created and video_id and event_type in VIDEO_EVENTS:
            transaction.on_commit(
                lambda: events.handle_video_event(endpoint.pk, video_id, event_type)
            )
    return created


@retry_on_lost_connection  # a delivery is recorded once by its webhook-id
@csrf_exempt
@require_POST
def openai_webhook(request: HttpRequest, endpoint_name: str = DEFAULT_ENDPOINT) -> JsonResponse:
    endpoint = ProviderEndpoint.objects.filter(name=endpoint_name).first()
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
