"""Helpers only the payments tests use: localstripe as a customer's browser would drive
it, and Stripe events built and signed as Stripe signs them."""

import hashlib
import hmac
import json
import secrets
import time

import httpx
import stripe

from payments.models import CreditPack, TopUp
from payments.services import create_top_up

WEBHOOK_SECRET = "whsec_storycraft_tests"
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000341"  # attaches, then declined at confirm
WEBHOOK_ID = "storycraft-tests"


class StripeServer:
    """localstripe: the customer's side (confirm a card) and its /_config endpoints."""

    def __init__(self, base: str):
        self.base = base
        self.client = stripe.StripeClient(
            "sk_test_storycraft",
            base_addresses={"api": base},
            http_client=stripe.HTTPXClient(allow_sync_methods=True),
        )

    def flush(self) -> None:
        httpx.delete(f"{self.base}/_config/data", timeout=5).raise_for_status()

    def send_webhooks_to(self, url: str, secret: str = WEBHOOK_SECRET) -> None:
        response = httpx.post(
            f"{self.base}/_config/webhooks/{WEBHOOK_ID}",
            data={"url": url, "secret": secret},
            timeout=5,
        )
        response.raise_for_status()

    def forget_webhooks(self) -> None:
        # localstripe can't delete one: point it at a port nobody listens on.
        self.send_webhooks_to("http://127.0.0.1:9/nowhere")

    def pay(self, payment_intent: str, card: str = CARD_OK):
        """What Stripe.js does with the customer's card: the PaymentIntent, confirmed."""
        method = self.client.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
            }
        )
        self.client.v1.payment_intents.update(payment_intent, params={"payment_method": method.id})
        return self.client.v1.payment_intents.confirm(payment_intent)

    def intent(self, payment_intent: str):
        return self.client.v1.payment_intents.retrieve(payment_intent)


def a_pack(name="Starter", credits=500, amount=500, currency="usd", **fields) -> CreditPack:
    return CreditPack.objects.create(
        name=name, credits=credits, amount=amount, currency=currency, **fields
    )


def a_top_up(user, pack: CreditPack | None = None) -> TopUp:
    return create_top_up(user=user, pack=pack or a_pack())


def sign(body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header, as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(kind: str, obj: dict, *, event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id or f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


def succeeded(top_up: TopUp, **fields) -> dict:
    return {
        "id": top_up.payment_intent,
        "object": "payment_intent",
        "status": "succeeded",
        "amount": top_up.amount,
        "currency": top_up.currency,
        "metadata": {"top_up": str(top_up.pk)},
        **fields,
    }


def refunded(top_up: TopUp, amount_refunded: int) -> dict:
    return {
        "id": f"ch_{top_up.pk.hex[:14]}",
        "object": "charge",
        "payment_intent": top_up.payment_intent,
        "amount": top_up.amount,
        "amount_refunded": amount_refunded,
        "refunded": amount_refunded >= top_up.amount,
    }


def disputed(top_up: TopUp, amount: int | None = None) -> dict:
    return {
        "id": f"dp_{top_up.pk.hex[:14]}",
        "object": "dispute",
        "charge": f"ch_{top_up.pk.hex[:14]}",
        "payment_intent": top_up.payment_intent,
        "amount": top_up.amount if amount is None else amount,
        "status": "needs_response",
    }


def deliver(client, body: bytes, signature: str | None = None):
    """POST /webhooks/stripe as Stripe does (Django's test client, or an httpx.Client)."""
    header = sign(body) if signature is None else signature
    return client.post(
        "/webhooks/stripe",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
