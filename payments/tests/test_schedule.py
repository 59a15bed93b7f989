"""The daily reconciliation: scheduled by migrate, granting what a lost webhook missed, and
forgetting old events."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from payments.models import StripeEvent
from payments.schedules import RECONCILE_FUNC, RECONCILE_NAME
from payments.tasks import reconcile_recent_payments
from payments.tests.helpers import CARD_OK, a_top_up
from testing import available, person

pytestmark = [pytest.mark.payments, pytest.mark.django_db]


def test_migrate_schedules_it_daily():
    schedule = Schedule.objects.get(name=RECONCILE_NAME)
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (
        RECONCILE_FUNC,
        Schedule.DAILY,
        -1,
    )


def test_the_daily_task_grants_a_lost_payment(stripe_server):
    bob = person("bob", credits=100)
    top_up = a_top_up(bob)
    stripe_server.pay(top_up.payment_intent, CARD_OK)  # its webhook goes nowhere
    assert reconcile_recent_payments() == 1
    assert available(bob) == 600
    assert reconcile_recent_payments() == 0


def test_without_payments_configured_it_does_nothing(settings):
    settings.STRIPE_SECRET_KEY = ""
    assert reconcile_recent_payments() == 0


def test_it_forgets_events_older_than_stripe_could_send_again(settings):
    settings.STRIPE_SECRET_KEY = ""
    now = timezone.now()
    for days in (36, 34, 0):
        StripeEvent.objects.create(
            id=f"evt_{days}", type="charge.refunded", received_at=now - timedelta(days=days)
        )
    reconcile_recent_payments()
    assert sorted(StripeEvent.objects.values_list("id", flat=True)) == ["evt_0", "evt_34"]
