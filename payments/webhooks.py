"""POST /webhooks/stripe: verified with STRIPE_WEBHOOK_SECRET by the official library, each
event id processed once (its StripeEvent row is written in the transaction that acts on
it: a racing delivery of the same event waits on that row, then finds it)."""

import json
import logging
from typing import cast

import stripe
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments import services
from payments.exceptions import InvalidStripeWebhook
from payments.fulfilment import fulfil_at_once
from payments.models import StripeEvent
from storycraft.errors import domain_error_response, retry_on_lost_connection

logger = logging.getLogger(__name__)
# A CharField: its max_length is set.
MAX_EVENT_ID = cast(int, StripeEvent._meta.get_field("id").max_length)


def verify_event(body: bytes, signature: str) -> dict:
    """The event of a correctly signed, fresh (Stripe's 300 s tolerance) delivery."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise InvalidStripeWebhook("Webhooks are not configured.", "webhook_not_configured")
    try:
        # What construct_event verifies, without its parsing (which breaks on a signed
        # body that is JSON but no object): the body is read below.
        stripe.WebhookSignature.verify_header(
            body, signature, secret, tolerance=stripe.Webhook.DEFAULT_TOLERANCE
        )
        event = json.loads(body)
    except stripe.SignatureVerificationError as error:
        raise InvalidStripeWebhook(f"Invalid signature: {error.user_message or error}") from None
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
        raise InvalidStripeWebhook("The body is not JSON.", "invalid_event") from None
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and 0 < len(event["id"]) <= MAX_EVENT_ID
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise InvalidStripeWebhook("The body is not a Stripe event.", "invalid_event")
    return event


def _payment_intent_of(event: dict) -> str:
    obj = event["data"]["object"]
    if event["type"].startswith("payment_intent."):
        value = obj.get("id")
    else:  # a charge or a dispute
        value = obj.get("payment_intent")
    value = services.id_of(value) if value else ""
    return value if isinstance(value, str) else ""


def process_event(event: dict) -> bool:
    """Act on a verified event once; False when its id was processed before."""
    kind, obj = event["type"], event["data"]["object"]
    payment_intent = _payment_intent_of(event)
    if kind == "payment_intent.succeeded" and payment_intent:
        done = fulfil_at_once(
            event_id=event["id"],
            payment_intent=payment_intent,
            charge=services.id_of(obj.get("latest_charge")),
        )
        if done is not None:
            return done
    with transaction.atomic():
        if not _record(event["id"], kind, payment_intent):
            return False
        if payment_intent:
            _act(kind, obj, payment_intent)
    return True


def _record(event_id: str, kind: str, payment_intent: str) -> bool:
    """Insert the event's row; False when it exists. A racing delivery of the same event
    waits here for the first one's transaction, then finds its row (no savepoint needed,
    the transaction stays usable)."""
    table = StripeEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, type, payment_intent, received_at) "  # noqa: S608 - ours
            "VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO NOTHING RETURNING id",
            [event_id, kind[:100], payment_intent[:255], timezone.now()],
        )
        return cursor.fetchone() is not None


def _act(kind: str, obj: dict, payment_intent: str) -> None:
    if kind == "payment_intent.succeeded":
        services.fulfil_payment(
            payment_intent=payment_intent, charge=services.id_of(obj.get("latest_charge"))
        )
    elif kind == "payment_intent.payment_failed":
        error = obj.get("last_payment_error") or {}
        message = error.get("message") if isinstance(error, dict) else ""
        services.fail_payment(payment_intent=payment_intent, message=str(message or ""))
    elif kind == "payment_intent.canceled":
        services.fail_payment(payment_intent=payment_intent, canceled=True)
    elif kind == "charge.refunded":
        services.reverse_payment(
            payment_intent=payment_intent,
            amount_reversed=_whole(obj.get("amount_refunded")),
            charge=services.id_of(obj.get("id")),
        )
    elif kind == "charge.dispute.created":
        services.reverse_payment(
            payment_intent=payment_intent,
            amount_reversed=_whole(obj.get("amount")),
            disputed=True,
            charge=services.id_of(obj.get("charge")),
        )


def _whole(value) -> int:
    return value if isinstance(value, int) and value > 0 else 0


@retry_on_lost_connection  # an event is processed once by its id: safe to run again
@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse | None:
    try:
        event = verify_event(request.body, request.headers.get("Stripe-Signature", ""))
    except InvalidStripeWebhook as refusal:
        logger.warning("Stripe webhook refused: %s", refusal.message)
        return domain_error_response(refusal)
    if not process_event(event):
        logger.info("Stripe event %s already processed", event["id"])
        return JsonResponse({"detail": "Already received.", "code": "duplicate"})
    logger.info("Stripe event %s (%s) processed", event["id"], event["type"])
    return JsonResponse({"detail": "Received.", "code": "ok"})
