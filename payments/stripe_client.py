"""The one way to Stripe: the official SDK on httpx (the project's only HTTP client),
pointed at STRIPE_API_BASE (Stripe, or localstripe under `make run` and the tests)."""

import functools

import stripe
from django.conf import settings

from payments.exceptions import PaymentsNotConfigured, PaymentsUnavailable

# Seconds for one call; the SDK retries a lost connection or a 5xx (with the same
# idempotency key on creates, so a retry never makes a second PaymentIntent).
TIMEOUT = 20
NETWORK_RETRIES = 2


def payments_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def stripe_client() -> stripe.StripeClient:
    """The configured client, or PaymentsNotConfigured."""
    if not payments_configured():
        raise PaymentsNotConfigured()
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


@functools.lru_cache(maxsize=4)
def _client(secret_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base.rstrip("/")},
        http_client=stripe.HTTPXClient(timeout=TIMEOUT, allow_sync_methods=True),
        max_network_retries=NETWORK_RETRIES,
    )


def unavailable(error: stripe.StripeError) -> PaymentsUnavailable:
    """What the API says when a Stripe call failed (the details go to the log)."""
    if isinstance(error, stripe.APIConnectionError):
        return PaymentsUnavailable()
    return PaymentsUnavailable(
        "The payment service refused the request; nothing was charged. Retry shortly."
    )
