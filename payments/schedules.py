"""The daily reconciliation with Stripe, kept in the database by every `migrate`."""

from django_q.models import Schedule

RECONCILE_NAME = "reconcile payments"
RECONCILE_FUNC = "payments.tasks.reconcile_recent_payments"


def ensure_reconcile_schedule(**kwargs) -> None:
    """post_migrate receiver: create or repair the daily reconciliation schedule."""
    Schedule.objects.update_or_create(
        name=RECONCILE_NAME,
        defaults={"func": RECONCILE_FUNC, "schedule_type": Schedule.DAILY, "repeats": -1},
    )
