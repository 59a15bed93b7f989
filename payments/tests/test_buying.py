"""The whole purchase as a customer makes it: a top-up, the card confirmed at localstripe
(as Stripe.js would), and localstripe's own signed webhook reaching a live server."""

import pytest
import stripe
from django.core.management import call_command

from payments.models import TopUp
from payments.tests.helpers import CARD_DECLINED, CARD_OK, a_pack
from testing import api_for, available, entries_of, person, wait_until
from wallet.models import EntryKind

pytestmark = [pytest.mark.payments, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_server, stripe_server):
    stripe_server.send_webhooks_to(f"{live_server.url}/webhooks/stripe")
    return stripe_server


def _buy(user, pack) -> TopUp:
    answer = api_for(user).post("/wallet/top-ups", {"pack": str(pack.pk)}, format="json")
    assert answer.status_code == 201, answer.json()
    return TopUp.objects.get(pk=answer.json()["id"])


def test_paying_with_a_good_card_brings_the_credits_within_seconds(shop):
    bob = person("bob", credits=100)
    top_up = _buy(bob, a_pack(credits=500, amount=500))

    assert shop.pay(top_up.payment_intent, CARD_OK).status == "succeeded"

    wait_until(lambda: available(bob) == 600, timeout=20)
    top_up.refresh_from_db()
    assert top_up.status == "succeeded"
    assert top_up.charge.startswith("ch_")
    [purchase] = entries_of(bob, EntryKind.PURCHASE)
    assert purchase.key == top_up.payment_intent
    listed = api_for(bob).get("/wallet/transactions").json()["results"][0]
    assert (listed["kind"], listed["amount"]) == ("purchase", 500)
    assert listed["purchase"] == {
        "pack": "Starter",
        "amount": 500,
        "currency": "usd",
        "top_up": str(top_up.pk),
    }
    call_command("reconcile_wallets")
    call_command("reconcile_payments")


def test_a_declined_card_fails_the_top_up_and_grants_nothing(shop):
    bob = person("bob", credits=100)
    top_up = _buy(bob, a_pack())

    with pytest.raises(stripe.CardError):
        shop.pay(top_up.payment_intent, CARD_DECLINED)

    wait_until(lambda: TopUp.objects.get(pk=top_up.pk).status == "failed", timeout=20)
    top_up.refresh_from_db()
    assert "declined" in top_up.failure_message
    assert available(bob) == 100
    assert entries_of(bob, EntryKind.PURCHASE) == []
