"""Selling credits: packs, top-ups (Stripe PaymentIntents), fulfilment from Stripe's word,
refunds and disputes taken back, support refunds. Credits move only through
wallet.services (payments → wallet, never the other way round).

Every change to a top-up happens with its row locked (SELECT ... FOR UPDATE), so webhooks
racing each other, a replay, `reconcile_payments --fix` and a support refund apply one
after the other; the purchase entry's database-unique key makes a second grant impossible
even so."""

import logging
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import stripe
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from payments.exceptions import NotRefundable
from payments.models import (
    PAID_STATUSES,
    CreditPack,
    StripeEvent,
    TopUp,
    TopUpStatus,
    format_money,
    minor_units,
)
from payments.stripe_client import stripe_client, unavailable
from wallet.services import purchase_credits, take_back_credits

logger = logging.getLogger(__name__)


# Packs ------------------------------------------------------------------------------------


def parse_price(price: str, currency: str) -> int:
    """ "5.00" in `currency` → 500 (its minor unit); ValueError for anything else."""
    try:
        value = Decimal(price.strip())
    except (InvalidOperation, AttributeError):
        raise ValueError(f"{price!r} is not a price like 5.00.") from None
    minor = value * minor_units(currency)
    if not value.is_finite() or minor <= 0 or minor != minor.to_integral_value(ROUND_HALF_UP):
        raise ValueError(f"{price!r} is not a positive price in {currency.upper()}.")
    return int(minor)


@dataclass(frozen=True)
class PackChange:
    pack: CreditPack
    created: bool
    changed: list[str]  # the fields that changed, for the admin's history


def set_credit_pack(
    *, name: str, credits: int, amount: int, currency: str, active: bool = True, position=None
) -> PackChange:
    """Create the pack, or bring the pack of that name to these values (idempotent)."""
    currency = currency.lower()
    if credits <= 0 or amount <= 0:
        raise ValueError("Credits and price must be positive.")
    if len(currency) != 3 or not currency.isalpha():
        raise ValueError(f"{currency!r} is not a three-letter currency code.")
    wanted = {"credits": credits, "amount": amount, "currency": currency, "active": active}
    if position is not None:
        wanted["position"] = position
    with transaction.atomic():
        pack = CreditPack.objects.select_for_update().filter(name=name).first()
        if pack is None:
            return PackChange(CreditPack.objects.create(name=name, **wanted), True, list(wanted))
        changed = [field for field, value in wanted.items() if getattr(pack, field) != value]
        for field in changed:
            setattr(pack, field, wanted[field])
        if changed:
            pack.save(update_fields=[*changed, "updated_at"])
        return PackChange(pack, False, changed)


# Top-ups ----------------------------------------------------------------------------------


def create_top_up(*, user, pack: CreditPack) -> TopUp:
    """A pending top-up and its Stripe PaymentIntent for the pack's price.

    The PaymentIntent comes first (with an idempotency key from the top-up's id, decided
    here), the row second: when Stripe can't be reached nothing is kept at all, and a
    PaymentIntent whose row was never written is never confirmed (no client has its
    secret). Raises PaymentsNotConfigured and PaymentsUnavailable."""
    client = stripe_client()
    top_up_id = uuid.uuid4()
    try:
        intent = client.v1.payment_intents.create(
            params={
                "amount": pack.amount,
                "currency": pack.currency,
                # Stripe and localstripe take it; stripe 16's typed params list only
                # allowed_payment_method_types.
                "payment_method_types": ["card"],  # type: ignore[typeddict-unknown-key]
                "metadata": {"top_up": str(top_up_id), "user": str(user.pk)},
            },
            options={"idempotency_key": f"storycraft-top-up-{top_up_id}"},
        )
    except stripe.StripeError as error:
        logger.warning("creating the PaymentIntent of top-up %s failed: %r", top_up_id, error)
        raise unavailable(error) from None
    return TopUp.objects.create(
        id=top_up_id,
        user=user,
        pack=pack,
        pack_name=pack.name,
        credits=pack.credits,
        amount=pack.amount,
        currency=pack.currency,
        payment_intent=intent.id,
        client_secret=intent.client_secret or "",
    )


def _locked_top_up(payment_intent: str) -> TopUp | None:
    return (
        TopUp.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(payment_intent=payment_intent)
        .first()
    )


def fulfil_payment(*, payment_intent: str, charge: str = "") -> TopUp | None:
    """Stripe says the PaymentIntent succeeded: the top-up succeeds and its credits are
    granted, once (a replay, a racing delivery or reconcile_payments --fix finds the
    top-up paid already). None when no top-up has this PaymentIntent."""
    with transaction.atomic(savepoint=False):
        top_up = _mark_paid(payment_intent, charge)
        if top_up is not None:
            _grant(top_up)
            return top_up
        top_up = _locked_top_up(payment_intent)
        if top_up is None:
            logger.warning("payment %s succeeded but is no StoryCraft top-up", payment_intent)
        elif charge and not top_up.charge:
            top_up.charge = charge
            top_up.save(update_fields=["charge", "updated_at"])
        return top_up


# Columns _mark_paid reads back, in order.
_PAID_COLUMNS = ("id", "user_id", "pack_id", "pack_name", "credits", "amount", "currency")


def _mark_paid(payment_intent: str, charge: str) -> TopUp | None:
    """Pending (or failed) → succeeded in one statement, which also locks the row: the
    webhook's common case in one round trip. None when there is no such top-up or it was
    paid before (a racing delivery waits on the lock, then finds it paid)."""
    now = timezone.now()
    table = TopUp._meta.db_table
    paid = [str(status) for status in PAID_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, paid_at = %s, updated_at = %s, "  # noqa: S608
            "failure_message = '', charge = CASE WHEN charge = '' THEN %s ELSE charge END "
            f"WHERE payment_intent = %s AND status NOT IN ({', '.join(['%s'] * len(paid))}) "
            f"RETURNING {', '.join(_PAID_COLUMNS)}",
            [TopUpStatus.SUCCEEDED, now, now, charge, payment_intent, *paid],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    fields = dict(zip(_PAID_COLUMNS, row, strict=True))
    fields["id"] = fields["id"] if isinstance(fields["id"], uuid.UUID) else uuid.UUID(fields["id"])
    top_up = TopUp(**fields, payment_intent=payment_intent, status=TopUpStatus.SUCCEEDED)
    top_up._state.adding = False
    return top_up


def _fulfil_locked(top_up: TopUp, *, charge: str = "") -> None:
    """_mark_paid for a top-up already locked (a refund that came before its payment)."""
    if top_up.status in PAID_STATUSES:
        return
    top_up.status = TopUpStatus.SUCCEEDED
    top_up.paid_at = timezone.now()
    top_up.failure_message = ""
    top_up.charge = top_up.charge or charge
    top_up.save(update_fields=["status", "paid_at", "failure_message", "charge", "updated_at"])
    _grant(top_up)


def _grant(top_up: TopUp) -> None:
    purchase = purchase_credits(
        user=get_user_model()(pk=top_up.user_id),
        amount=top_up.credits,
        payment_id=top_up.payment_intent,
        note=f"Bought {top_up.pack_name}: {top_up.credits} credits for {top_up.price}",
        receipt={
            "top_up": str(top_up.pk),
            "pack": top_up.pack_name,
            "pack_id": str(top_up.pack_id),
            "amount": top_up.amount,
            "currency": top_up.currency,
        },
    )
    if purchase.created:
        logger.info("top-up %s paid: %d credits granted", top_up.pk, top_up.credits)


def fail_payment(*, payment_intent: str, message: str = "", canceled: bool = False) -> None:
    """Stripe says the attempt failed (or the PaymentIntent was canceled). A late event
    about a top-up that has succeeded since changes nothing."""
    with transaction.atomic(savepoint=False):
        top_up = _locked_top_up(payment_intent)
        if top_up is None or top_up.status in PAID_STATUSES:
            return
        if top_up.status == TopUpStatus.CANCELED:
            return
        top_up.status = TopUpStatus.CANCELED if canceled else TopUpStatus.FAILED
        top_up.failure_message = message[:1000]
        top_up.save(update_fields=["status", "failure_message", "updated_at"])


def reverse_payment(
    *, payment_intent: str, amount_reversed: int, disputed: bool = False, charge: str = ""
) -> TopUp | None:
    """A refund (`amount_reversed` = the charge's amount refunded so far, as Stripe reports
    it) or a dispute (its amount): the same share of the credits is taken back. Totals,
    not increments, so a replayed or reordered event takes nothing twice. What the wallet
    no longer has is owed (see wallet.services.take_back_credits)."""
    with transaction.atomic(savepoint=False):
        top_up = _locked_top_up(payment_intent)
        if top_up is None:
            return None
        if top_up.status not in PAID_STATUSES:
            # The refund proves the payment: its succeeded event is late or was lost.
            _fulfil_locked(top_up, charge=charge)
        total = min(max(amount_reversed, top_up.amount_reversed), top_up.amount)
        credits_due = top_up.credits * total // top_up.amount
        to_take = credits_due - top_up.credits_reversed
        if to_take > 0:
            what = "dispute" if disputed else "refund"
            taken = take_back_credits(
                user=top_up.user,
                amount=to_take,
                note=f"Taken back: {what} of {format_money(total, top_up.currency)} "
                f"on {top_up.pack_name} (top-up {top_up.pk})",
            )
            top_up.credits_reversed += to_take
            top_up.credits_shortfall += taken.owed
        top_up.amount_reversed = total
        if disputed:
            top_up.status = TopUpStatus.DISPUTED
        elif top_up.status != TopUpStatus.DISPUTED:
            full = total >= top_up.amount
            top_up.status = TopUpStatus.REFUNDED if full else TopUpStatus.PARTIALLY_REFUNDED
        top_up.save(
            update_fields=[
                "status",
                "amount_reversed",
                "credits_reversed",
                "credits_shortfall",
                "updated_at",
            ]
        )
        return top_up


# Support ----------------------------------------------------------------------------------


def refund_top_up(*, top_up: TopUp, staff, reason: str) -> TopUp | None:
    """Refund the whole remaining payment at Stripe. The ledger follows Stripe's word: its
    charge.refunded webhook, and, at once, the charge as Stripe reports it after the
    refund (the same totals: whichever comes second changes nothing).
    Raises NotRefundable, PaymentsNotConfigured, PaymentsUnavailable."""
    if not reason.strip():
        raise ValueError("A reason is required.")
    if top_up.status not in (TopUpStatus.SUCCEEDED, TopUpStatus.PARTIALLY_REFUNDED):
        raise NotRefundable(f"A {top_up.status} top-up can't be refunded.")
    client = stripe_client()
    try:
        refund = client.v1.refunds.create(
            params={
                "payment_intent": top_up.payment_intent,
                "metadata": {"top_up": str(top_up.pk), "staff": staff.email, "reason": reason},
            },
            options={"idempotency_key": f"storycraft-refund-{top_up.pk}-{top_up.amount_reversed}"},
        )
        charge = client.v1.charges.retrieve(id_of(refund.charge))
    except stripe.StripeError as error:
        logger.warning("refunding top-up %s failed: %r", top_up.pk, error)
        raise unavailable(error) from None
    logger.info("top-up %s refunded by %s: %s", top_up.pk, staff, reason)
    return reverse_payment(
        payment_intent=top_up.payment_intent,
        amount_reversed=int(charge.amount_refunded),
        charge=charge.id,
    )


def forget_stripe_events(*, before) -> int:
    """Delete the record of events received before `before`; how many."""
    deleted, _ = StripeEvent.objects.filter(received_at__lt=before).delete()
    return deleted


def id_of(value) -> str:
    """An id, whether Stripe sent it as a string or as the expanded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) or hasattr(value, "get"):
        return value.get("id") or ""
    return getattr(value, "id", "") or ""
