"""Support: top-ups in the admin, on the user's page, and refunded from there."""

import pytest
from django.contrib.admin.models import LogEntry

from payments.tests.helpers import (
    CARD_OK,
    a_pack,
    a_top_up,
    deliver,
    event,
    refunded,
    succeeded,
)
from testing import api_for, available, order, person
from wallet.models import Wallet

pytestmark = [pytest.mark.payments, pytest.mark.django_db]


@pytest.fixture
def paid(client, stripe_server):
    bob = person("bob", credits=100)
    top_up = a_top_up(bob, a_pack(credits=500, amount=500))
    stripe_server.pay(top_up.payment_intent, CARD_OK)
    deliver(client, event("payment_intent.succeeded", succeeded(top_up)))
    top_up.refresh_from_db()
    return top_up


def test_support_finds_top_ups_by_status_email_or_payment_intent(sam, client, paid):
    listing = client.get("/admin/payments/topup/", {"status__exact": "succeeded"})
    assert paid.payment_intent in listing.content.decode()
    assert (
        paid.payment_intent in client.get("/admin/payments/topup/", {"q": "bob@"}).content.decode()
    )
    found = client.get("/admin/payments/topup/", {"q": paid.payment_intent}).content.decode()
    assert "bob@example.com" in found
    assert (
        paid.payment_intent
        not in client.get("/admin/payments/topup/", {"status__exact": "failed"}).content.decode()
    )
    page = client.get(f"/admin/accounts/user/{paid.user_id}/change/").content.decode()
    assert "top-ups-panel" in page and paid.payment_intent in page


def test_refunding_from_the_admin_refunds_at_stripe_and_takes_the_credits_back(
    sam, client, paid, stripe_server, sora_provider
):
    bob = paid.user
    assert order(api_for(bob), seconds="12").status_code == 201  # 240 held of 600
    page = client.get(f"/admin/payments/topup/{paid.pk}/change/").content.decode()
    assert "Refund this top-up" in page

    refused = client.post(f"/admin/payments/topup/{paid.pk}/refund/", {"reason": " "})
    assert refused.status_code == 200 and "required" in refused.content.decode()

    answer = client.post(
        f"/admin/payments/topup/{paid.pk}/refund/", {"reason": "customer asked, ticket 42"}
    )

    assert answer.status_code == 302
    paid.refresh_from_db()
    assert (paid.status, paid.amount_reversed, paid.credits_shortfall) == ("refunded", 500, 140)
    charge = stripe_server.client.v1.charges.retrieve(
        paid.charge or _charge_of(stripe_server, paid)
    )
    assert charge.amount_refunded == 500
    wallet = Wallet.objects.get(user=bob)
    assert (wallet.available, wallet.owed) == (0, 140)
    entry = LogEntry.objects.get(object_id=str(paid.pk))
    assert (entry.user, entry.change_message) == (
        sam,
        "Refunded at Stripe: customer asked, ticket 42",
    )
    assert (
        "owes <strong>140</strong>"
        in client.get(f"/admin/accounts/user/{bob.pk}/change/").content.decode()
    )

    # Stripe's own charge.refunded webhook arrives later: nothing more is taken.
    deliver(client, event("charge.refunded", refunded(paid, amount_refunded=500)))
    again = client.post(f"/admin/payments/topup/{paid.pk}/refund/", {"reason": "twice"})
    assert again.status_code == 200  # refused: refunded already
    assert available(bob) == 0
    assert Wallet.objects.get(user=bob).owed == 140


def _charge_of(stripe_server, top_up):
    return stripe_server.intent(top_up.payment_intent).to_dict()["latest_charge"]["id"]


def test_pack_changes_in_the_admin_are_in_its_history(sam, client):
    pack = a_pack()
    answer = client.post(
        f"/admin/payments/creditpack/{pack.pk}/change/",
        {
            "name": "Starter",
            "credits": 600,
            "amount": 500,
            "currency": "usd",
            "position": 0,
            "active": "on",
        },
    )
    assert answer.status_code == 302
    pack.refresh_from_db()
    assert pack.credits == 600
    entry = LogEntry.objects.get(object_id=str(pack.pk))
    assert entry.user == sam and "Credits" in entry.get_change_message()
    history = client.get(f"/admin/payments/creditpack/{pack.pk}/history/").content.decode()
    assert "sam@storycraft.test" in history
