"""Stripe's succeeded PaymentIntents of StoryCraft top-ups against the ledger's purchases.

A webhook can be lost (an outage longer than Stripe's retries, a wrong secret for a while):
then a customer paid and got nothing. This finds it and, with `fix`, grants it through the
webhook's own code path (services.fulfil_payment), which grants at most once."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

import stripe

from payments import services
from payments.models import PAID_STATUSES, TopUp
from payments.stripe_client import stripe_client, unavailable
from wallet.selectors import purchased_payments

logger = logging.getLogger(__name__)


@dataclass
class Difference:
    payment_intent: str
    top_up: str
    problem: str
    fixed: bool = False


@dataclass
class Report:
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.differences


def reconcile_payments(*, since: datetime | None = None, fix: bool = False) -> Report:
    """Raises PaymentsNotConfigured / PaymentsUnavailable when Stripe can't be asked."""
    client = stripe_client()
    report = Report()
    succeeded: dict[str, dict] = {}
    try:
        # Filtered here rather than with `created[gte]`: localstripe refuses that parameter.
        for intent in client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter():
            metadata = intent.metadata.to_dict() if intent.metadata else {}
            if intent.status != "succeeded" or not metadata.get("top_up"):
                continue
            if since is not None and intent.created < since.timestamp():
                continue
            succeeded[intent.id] = {
                "top_up": metadata["top_up"],
                "charge": services.id_of(getattr(intent, "latest_charge", None) or ""),
            }
    except stripe.StripeError as error:
        raise unavailable(error) from None
    report.checked = len(succeeded)
    granted = purchased_payments(list(succeeded))
    known = set(
        TopUp.objects.filter(payment_intent__in=list(succeeded)).values_list(
            "payment_intent", flat=True
        )
    )
    for payment_intent, seen in sorted(succeeded.items()):
        if payment_intent not in known:
            report.differences.append(
                Difference(payment_intent, seen["top_up"], "paid at Stripe, no such top-up here")
            )
        elif payment_intent not in granted:
            difference = Difference(
                payment_intent, seen["top_up"], "paid at Stripe, credits never granted"
            )
            if fix:
                services.fulfil_payment(payment_intent=payment_intent, charge=seen["charge"])
                difference.fixed = True
                logger.warning("reconcile: granted the lost payment %s", payment_intent)
            report.differences.append(difference)
    # The other way round: credits granted for a payment Stripe doesn't call succeeded.
    paid_here = TopUp.objects.filter(status__in=PAID_STATUSES)
    if since is not None:
        paid_here = paid_here.filter(created_at__gte=since)
    for top_up_id, payment_intent in paid_here.values_list("id", "payment_intent"):
        if payment_intent not in succeeded:
            report.differences.append(
                Difference(payment_intent, str(top_up_id), "granted here, not succeeded at Stripe")
            )
    return report
