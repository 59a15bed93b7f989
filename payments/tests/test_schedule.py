"""The daily reconciliation: scheduled by migrate, and granting what a lost webhook missed."""

import pytest
from django_q.models import Schedule

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
