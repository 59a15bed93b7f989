"""`manage.py reconcile_payments`: a lost webhook found, and fixed with --fix."""

import pytest
from django.core.management import CommandError, call_command

from payments.models import TopUp
from payments.tests.helpers import CARD_OK, a_pack, a_top_up, deliver, event, refunded, succeeded
from testing import available, entries_of, person
from wallet.models import EntryKind

pytestmark = [pytest.mark.payments, pytest.mark.django_db]


def _reconcile(*args) -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("reconcile_payments", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def test_a_paid_top_up_whose_webhook_was_lost_is_reported_then_granted(stripe_server):
    # localstripe's webhooks go nowhere here: the payment succeeds, nobody is told.
    bob = person("bob", credits=100)
    lost = a_top_up(bob, a_pack(credits=500, amount=500))
    stripe_server.pay(lost.payment_intent, CARD_OK)

    code, report = _reconcile()
    assert code == 1
    assert (
        f"{lost.payment_intent} (top-up {lost.pk}): paid at Stripe, credits never granted" in report
    )
    assert available(bob) == 100  # reported only

    code, report = _reconcile("--fix")
    assert code == 1 and "granted now" in report
    assert available(bob) == 600
    lost.refresh_from_db()
    assert lost.status == "succeeded"

    assert _reconcile() == (
        0,
        "Checked 1 succeeded payment(s) at Stripe: all granted, no difference.\n",
    )
    call_command("reconcile_wallets")


def test_a_granted_payment_and_its_late_webhook_still_grant_once(client, stripe_server):
    bob = person("bob", credits=100)
    top_up = a_top_up(bob)
    stripe_server.pay(top_up.payment_intent, CARD_OK)
    _reconcile("--fix")
    deliver(client, event("payment_intent.succeeded", succeeded(top_up)))  # arrives at last
    assert len(entries_of(bob, EntryKind.PURCHASE)) == 1
    assert available(bob) == 600


def test_a_refunded_top_up_is_no_difference(client, stripe_server):
    bob = person("bob", credits=100)
    top_up = a_top_up(bob)
    stripe_server.pay(top_up.payment_intent, CARD_OK)
    deliver(client, event("payment_intent.succeeded", succeeded(top_up)))
    deliver(client, event("charge.refunded", refunded(top_up, amount_refunded=500)))
    assert _reconcile()[0] == 0
    call_command("reconcile_wallets")


def test_since_skips_older_payments(stripe_server):
    bob = person("bob")
    top_up = a_top_up(bob)
    stripe_server.pay(top_up.payment_intent, CARD_OK)
    assert _reconcile("--since", "2999-01-01")[0] == 0
    assert _reconcile("--since", "2000-01-01")[0] == 1
    assert _reconcile("--since", "yesterday")[0] == 1  # a usage error
    assert TopUp.objects.get().status == "pending"


def test_a_granted_top_up_that_stripe_never_saw_succeed_is_a_difference(client, stripe_server):
    bob = person("bob")
    top_up = a_top_up(bob)  # never paid at localstripe, yet a (forged-looking) grant:
    deliver(client, event("payment_intent.succeeded", succeeded(top_up)))
    code, report = _reconcile()
    assert code == 1 and "granted here, not succeeded at Stripe" in report
