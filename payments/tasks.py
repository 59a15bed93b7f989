"""django-q2 tasks of the payments app (idempotent: a task may be delivered again)."""

import logging
from datetime import timedelta

from django.utils import timezone

from payments.reconcile import reconcile_payments
from payments.services import forget_stripe_events
from payments.stripe_client import payments_configured

logger = logging.getLogger(__name__)
# The daily run looks back this far: longer than Stripe retries a webhook (3 days).
LOOK_BACK = timedelta(days=7)
# Received events are kept this long: longer than Stripe keeps an event it could send
# again (30 days). An older one arriving anyway changes nothing: every action is by state.
KEEP_EVENTS = timedelta(days=35)


def reconcile_recent_payments() -> int:
    """The daily schedule: grant what lost webhooks missed, log every difference, and
    forget the events received before KEEP_EVENTS."""
    forgotten = forget_stripe_events(before=timezone.now() - KEEP_EVENTS)
    if forgotten:
        logger.info("forgot %d Stripe events older than %s", forgotten, KEEP_EVENTS)
    if not payments_configured():
        return 0
    report = reconcile_payments(since=timezone.now() - LOOK_BACK, fix=True)
    for difference in report.differences:
        logger.warning(
            "reconcile_payments: %s %s (top-up %s)%s",
            difference.payment_intent,
            difference.problem,
            difference.top_up,
            ", granted" if difference.fixed else "",
        )
    return len(report.differences)
