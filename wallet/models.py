"""The credit ledger: one wallet per user and the immutable entries that move its credits.

A wallet's `balance` is what the user owns, `reserved` the part held for videos in
progress, and `balance - reserved` what they may still spend. Both totals are caches of
the entries (each entry records its change to either), kept in step by wallet.services
and checked by `manage.py reconcile_wallets`.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Wallet(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet"
    )
    balance = models.BigIntegerField(default=0, help_text="Credits owned, held ones included.")
    reserved = models.BigIntegerField(default=0, help_text="Credits held for unfinished videos.")
    owed = models.BigIntegerField(
        default=0,
        help_text="Credits a refund or dispute could not take back: no order until settled.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        permissions = [("move_credits", "Can grant, deduct and release credits")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="wallet_reserved_not_negative"
            ),
            # Available credits never go below zero, whatever the code above tries.
            models.CheckConstraint(
                condition=Q(balance__gte=F("reserved")), name="wallet_available_not_negative"
            ),
            models.CheckConstraint(condition=Q(owed__gte=0), name="wallet_owed_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Wallet of {self.user}"

    @property
    def available(self) -> int:
        return self.balance - self.reserved


class EntryKind(models.TextChoices):
    WELCOME = "welcome", "welcome grant"
    GRANT = "grant", "staff grant"
    DEDUCTION = "deduction", "staff deduction"
    HOLD = "hold", "hold"
    SETTLE = "settle", "settle (hold charged)"
    RELEASE = "release", "release (hold refunded)"
    PURCHASE = "purchase", "purchase (credit pack paid)"
    REFUND = "refund", "refund (bought credits taken back)"


RESOLUTION_KINDS = (EntryKind.SETTLE, EntryKind.RELEASE)


class ImmutableEntryError(Exception):
    """Ledger entries are facts: they are written once and never changed or removed."""


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableEntryError("Ledger entries cannot be updated.")

    def delete(self):
        raise ImmutableEntryError("Ledger entries cannot be deleted.")

    def _raw_delete(self, using):
        raise ImmutableEntryError("Ledger entries cannot be deleted.")


def _kind_is(*kinds: str) -> Q:
    return Q(kind__in=kinds)


class LedgerEntry(models.Model):
    """One movement of credits. `amount` is its signed effect on available credits."""

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    balance_change = models.BigIntegerField()
    reserved_change = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    reserved_after = models.BigIntegerField()
    hold = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolutions",
        help_text="For a settle or release: the hold it resolves.",
    )
    key = models.CharField(
        max_length=255,
        blank=True,
        help_text="Idempotency key: a second movement with the same key returns the first.",
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who made a grant, deduction or release.",
    )
    receipt = models.JSONField(
        null=True,
        blank=True,
        help_text="For a purchase: what was paid (pack, amount, currency, top-up).",
    )
    video_id = models.UUIDField(null=True, blank=True)
    batch_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["wallet", "-created_at", "-id"], name="wallet_entry_list"),
            models.Index(
                fields=["video_id"], condition=Q(video_id__isnull=False), name="wallet_entry_video"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["wallet", "key"],
                condition=~Q(key=""),
                name="wallet_entry_key_unique",
            ),
            # A hold resolves at most once: settled or released, never both, never twice.
            models.UniqueConstraint(
                fields=["hold"], condition=Q(hold__isnull=False), name="wallet_hold_resolves_once"
            ),
            models.UniqueConstraint(
                fields=["wallet"], condition=Q(kind="welcome"), name="wallet_one_welcome_grant"
            ),
            models.CheckConstraint(
                condition=Q(hold__isnull=True) | _kind_is(*RESOLUTION_KINDS),
                name="wallet_entry_hold_only_on_resolutions",
            ),
            models.CheckConstraint(
                condition=~_kind_is(*RESOLUTION_KINDS) | Q(hold__isnull=False),
                name="wallet_entry_resolution_has_hold",
            ),
            # The shape of each kind's movement, so a wrong sign can't be written at all.
            models.CheckConstraint(
                condition=~_kind_is(EntryKind.WELCOME, EntryKind.GRANT)
                | Q(balance_change__gt=0, reserved_change=0),
                name="wallet_entry_grant_shape",
            ),
            models.CheckConstraint(
                condition=~_kind_is(EntryKind.DEDUCTION)
                | Q(balance_change__lt=0, reserved_change=0),
                name="wallet_entry_deduction_shape",
            ),
            models.CheckConstraint(
                condition=~_kind_is(EntryKind.HOLD) | Q(balance_change=0, reserved_change__gt=0),
                name="wallet_entry_hold_shape",
            ),
            models.CheckConstraint(
                condition=~_kind_is(EntryKind.SETTLE)
                | Q(reserved_change__lt=0, balance_change=F("reserved_change")),
                name="wallet_entry_settle_shape",
            ),
            models.CheckConstraint(
                condition=~_kind_is(EntryKind.RELEASE) | Q(balance_change=0, reserved_change__lt=0),
                name="wallet_entry_release_shape",
            ),
            # A purchase is granted once per payment (its key is the PaymentIntent's id),
            # whatever wallet it would land on: replays and racing webhooks grant once.
            models.UniqueConstraint(
                fields=["key"], condition=Q(kind="purchase"), name="wallet_one_purchase_per_payment"
            ),
            models.CheckConstraint(
                condition=~_kind_is(EntryKind.PURCHASE)
                | (Q(balance_change__gt=0, reserved_change=0) & ~Q(key="")),
                name="wallet_entry_purchase_shape",
            ),
            models.CheckConstraint(
                condition=~_kind_is(EntryKind.REFUND) | Q(balance_change__lt=0, reserved_change=0),
                name="wallet_entry_refund_shape",
            ),
            models.CheckConstraint(
                condition=Q(reserved_after__gte=0, balance_after__gte=F("reserved_after")),
                name="wallet_entry_totals_valid",
            ),
            models.CheckConstraint(
                condition=_kind_is(*EntryKind.values), name="wallet_entry_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.amount:+d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableEntryError("Ledger entries cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEntryError("Ledger entries cannot be deleted.")

    @property
    def amount(self) -> int:
        """Signed change to available credits: a hold is negative, a settle zero."""
        return self.balance_change - self.reserved_change
