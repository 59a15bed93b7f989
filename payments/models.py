"""Credit packs, the top-ups that buy them through Stripe, and the Stripe events received.

Money in minor units of its currency (cents), as Stripe counts it. Credits move only
through wallet.services; a top-up records what Stripe said and what the ledger did."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CreditPack(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    credits = models.PositiveIntegerField()
    amount = models.PositiveIntegerField(help_text="Price in the currency's minor unit (cents).")
    currency = models.CharField(max_length=3, default="usd", help_text="ISO code, lower case.")
    active = models.BooleanField(default=True, help_text="Listed and sold.")
    position = models.IntegerField(default=0, help_text="Order in the list, smallest first.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "amount", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(credits__gt=0), name="payments_pack_credits"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_pack_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.credits} credits, {format_money(self.amount, self.currency)})"


class TopUpStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    DISPUTED = "disputed"


# The credits were granted: a refund or dispute can only follow one of these.
PAID_STATUSES = (
    TopUpStatus.SUCCEEDED,
    TopUpStatus.PARTIALLY_REFUNDED,
    TopUpStatus.REFUNDED,
    TopUpStatus.DISPUTED,
)


class TopUp(models.Model):
    """One purchase of a pack: a Stripe PaymentIntent, its outcome and what came back."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="top_ups"
    )
    pack = models.ForeignKey(CreditPack, on_delete=models.PROTECT, related_name="top_ups")
    # Copied from the pack when bought: a later change of the pack does not rewrite a sale.
    pack_name = models.CharField(max_length=100)
    credits = models.PositiveIntegerField()
    amount = models.PositiveIntegerField(help_text="Charged, in the currency's minor unit.")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=TopUpStatus.choices, default=TopUpStatus.PENDING
    )
    payment_intent = models.CharField(max_length=255, unique=True)
    client_secret = models.CharField(max_length=255, blank=True)
    charge = models.CharField(max_length=255, blank=True, help_text="Stripe's charge id.")
    failure_message = models.TextField(blank=True)
    amount_reversed = models.PositiveIntegerField(
        default=0, help_text="Refunded or disputed so far, in the minor unit."
    )
    credits_reversed = models.PositiveIntegerField(
        default=0, help_text="Credits taken back or owed for the refunds and disputes so far."
    )
    credits_shortfall = models.PositiveIntegerField(
        default=0,
        help_text="Credits the refunds and disputes could not take back: the wallet owed them.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="payments_topup_list"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(credits_reversed__lte=models.F("credits")),
                name="payments_topup_reversed_at_most_credits",
            ),
            models.CheckConstraint(
                condition=Q(credits_shortfall__lte=models.F("credits_reversed")),
                name="payments_topup_shortfall_at_most_reversed",
            ),
        ]

    def __str__(self) -> str:
        return f"Top-up {self.pk} ({self.status})"

    @property
    def price(self) -> str:
        return format_money(self.amount, self.currency)


class StripeEvent(models.Model):
    """Every verified event, by Stripe's id: the primary key makes each processed once."""

    id = models.CharField(primary_key=True, max_length=255)
    type = models.CharField(max_length=100)
    payment_intent = models.CharField(max_length=255, blank=True, db_index=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


# Currencies Stripe counts in whole units (no cents); the rest have two decimals here.
ZERO_DECIMAL_CURRENCIES = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)


def minor_units(currency: str) -> int:
    return 1 if currency.lower() in ZERO_DECIMAL_CURRENCIES else 100


def format_money(amount: int, currency: str) -> str:
    unit = minor_units(currency)
    if unit == 1:
        return f"{amount} {currency.upper()}"
    return f"{amount // unit}.{amount % unit:02d} {currency.upper()}"
