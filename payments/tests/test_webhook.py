"""POST /webhooks/stripe: verification, each event once, one grant per payment, refunds and
disputes taken back with the shortfall owed. Events are built and signed as Stripe does;
the top-ups are real PaymentIntents at localstripe. Every test runs on both ways a payment
is fulfilled: the one statement (payments.fulfilment, PostgreSQL's common case) and step
by step (SQLite, and whatever the one statement leaves)."""

import pytest

from payments.models import StripeEvent, TopUp
from payments.tests.helpers import (
    a_pack,
    a_top_up,
    deliver,
    disputed,
    event,
    refunded,
    sign,
    succeeded,
)
from testing import api_for, available, entries_of, order, person
from wallet.models import EntryKind, Wallet

pytestmark = [pytest.mark.payments, pytest.mark.django_db]


@pytest.fixture(autouse=True, params=["at once", "step by step"])
def fulfilment(request, monkeypatch):
    if request.param == "step by step":
        monkeypatch.setattr("payments.webhooks.fulfil_at_once", lambda **kwargs: None)
    return request.param


@pytest.fixture
def bob(db):
    return person("bob", credits=100)


def test_a_succeeded_payment_grants_the_pack_once_however_often_it_is_delivered(
    client, stripe_server, bob
):
    top_up = a_top_up(bob, a_pack(credits=500, amount=500))
    body = event("payment_intent.succeeded", succeeded(top_up, latest_charge="ch_1"))

    answers = [deliver(client, body) for _ in range(3)]

    assert [answer.json()["code"] for answer in answers] == ["ok", "duplicate", "duplicate"]
    assert all(answer.status_code == 200 for answer in answers)
    top_up.refresh_from_db()
    assert (top_up.status, top_up.charge) == ("succeeded", "ch_1")
    assert available(bob) == 600
    [purchase] = entries_of(bob, EntryKind.PURCHASE)
    assert (purchase.amount, purchase.key) == (500, top_up.payment_intent)
    assert (purchase.balance_after, purchase.reserved_after) == (600, 0)
    assert purchase.note == "Bought Starter: 500 credits for 5.00 USD"
    assert purchase.receipt == {
        "top_up": str(top_up.pk),
        "pack": "Starter",
        "pack_id": str(top_up.pack_id),
        "amount": 500,
        "currency": "usd",
    }


@pytest.mark.parametrize(
    ("amount", "currency", "price"),
    [(1999, "eur", "19.99 EUR"), (5, "usd", "0.05 USD"), (1500, "jpy", "1500 JPY")],
)
def test_the_purchase_says_what_was_paid(client, stripe_server, bob, amount, currency, price):
    top_up = a_top_up(bob, a_pack(name="Big", credits=2500, amount=amount, currency=currency))
    deliver(client, event("payment_intent.succeeded", succeeded(top_up)))
    [purchase] = entries_of(bob, EntryKind.PURCHASE)
    assert purchase.note == f"Bought Big: 2500 credits for {price}"
    assert purchase.receipt["amount"] == amount
    assert available(bob) == 2600


def test_another_event_of_the_same_payment_grants_nothing_more(client, stripe_server, bob):
    top_up = a_top_up(bob)
    for _ in range(2):  # two events (two ids) about the one payment
        assert (
            deliver(client, event("payment_intent.succeeded", succeeded(top_up))).json()["code"]
            == "ok"
        )
    assert len(entries_of(bob, EntryKind.PURCHASE)) == 1
    assert available(bob) == 600


def test_a_forged_or_stale_signature_is_refused_and_changes_nothing(client, stripe_server, bob):
    top_up = a_top_up(bob)
    body = event("payment_intent.succeeded", succeeded(top_up))

    forged = deliver(client, body, sign(body, secret="whsec_not_ours"))
    stale = deliver(client, body, sign(body, timestamp=1_700_000_000))
    unsigned = deliver(client, body, "")
    tampered = deliver(client, body.replace(b"succeeded", b"succeedeD"), sign(body))

    for answer in (forged, stale, unsigned, tampered):
        assert answer.status_code == 400
        assert answer.json()["code"] == "invalid_signature"
    assert StripeEvent.objects.count() == 0
    assert TopUp.objects.get().status == "pending"
    assert available(bob) == 100


def test_without_a_webhook_secret_every_delivery_is_refused(client, stripe_server, settings, bob):
    top_up = a_top_up(bob)
    settings.STRIPE_WEBHOOK_SECRET = ""
    answer = deliver(client, event("payment_intent.succeeded", succeeded(top_up)))
    assert (answer.status_code, answer.json()["code"]) == (400, "webhook_not_configured")
    assert available(bob) == 100


def test_a_signed_body_that_is_no_event_is_a_400(client, stripe_server):
    for body in (b"[]", b"{}", b'{"id": "evt_1", "type": "x"}', b"\xff"):
        answer = deliver(client, body)
        assert (answer.status_code, answer.json()["code"]) == (400, "invalid_event")


def test_failed_then_canceled_payments_grant_nothing(client, stripe_server, bob):
    top_up = a_top_up(bob)
    failure = {"last_payment_error": {"message": "Your card was declined."}}
    deliver(client, event("payment_intent.payment_failed", succeeded(top_up, **failure)))
    top_up.refresh_from_db()
    assert (top_up.status, top_up.failure_message) == ("failed", "Your card was declined.")

    deliver(client, event("payment_intent.canceled", succeeded(top_up)))
    top_up.refresh_from_db()
    assert top_up.status == "canceled"
    assert entries_of(bob, EntryKind.PURCHASE) == []


def test_a_late_failure_event_does_not_undo_a_payment(client, stripe_server, bob):
    top_up = a_top_up(bob)
    deliver(client, event("payment_intent.succeeded", succeeded(top_up)))
    deliver(client, event("payment_intent.payment_failed", succeeded(top_up)))
    top_up.refresh_from_db()
    assert top_up.status == "succeeded"
    assert available(bob) == 600


def test_a_full_refund_takes_the_credits_back(client, stripe_server, bob):
    top_up = a_top_up(bob, a_pack(credits=500, amount=500))
    deliver(client, event("payment_intent.succeeded", succeeded(top_up)))

    for _ in range(2):  # replayed under another id: totals, not increments
        deliver(client, event("charge.refunded", refunded(top_up, amount_refunded=500)))

    top_up.refresh_from_db()
    assert (top_up.status, top_up.credits_reversed, top_up.credits_shortfall) == (
        "refunded",
        500,
        0,
    )
    assert available(bob) == 100
    [refund] = entries_of(bob, EntryKind.REFUND)
    assert refund.amount == -500


def test_a_partial_refund_takes_back_its_share_then_the_rest(client, stripe_server, bob):
    top_up = a_top_up(bob, a_pack(credits=1000, amount=800))
    deliver(client, event("payment_intent.succeeded", succeeded(top_up)))

    deliver(client, event("charge.refunded", refunded(top_up, amount_refunded=200)))
    top_up.refresh_from_db()
    assert (top_up.status, top_up.credits_reversed) == ("partially_refunded", 250)
    assert available(bob) == 850

    deliver(client, event("charge.refunded", refunded(top_up, amount_refunded=800)))
    top_up.refresh_from_db()
    assert (top_up.status, top_up.credits_reversed) == ("refunded", 1000)
    assert available(bob) == 100


def test_spent_credits_become_owed_and_block_orders_until_settled(
    client, stripe_server, bob, sora_provider
):
    top_up = a_top_up(bob, a_pack(credits=500, amount=500))
    deliver(client, event("payment_intent.succeeded", succeeded(top_up)))
    api = api_for(bob)
    assert order(api, seconds="12").status_code == 201  # 240 credits held of 600

    deliver(client, event("charge.dispute.created", disputed(top_up)))

    top_up.refresh_from_db()
    assert (top_up.status, top_up.credits_reversed, top_up.credits_shortfall) == (
        "disputed",
        500,
        140,
    )
    wallet = Wallet.objects.get(user=bob)
    assert (wallet.available, wallet.owed) == (0, 140)
    assert api.get("/wallet").json() == {
        "balance": 240,
        "reserved": 240,
        "available": 0,
        "owed": 140,
    }
    refused = order(api, seconds="4")
    assert (refused.status_code, refused.json()["code"]) == (402, "credits_owed")
    detail = api.get(f"/wallet/top-ups/{top_up.pk}").json()
    assert (detail["status"], detail["credits_owed"]) == ("disputed", 140)

    # A new purchase settles the debt first, then the wallet orders again.
    second = a_top_up(bob, top_up.pack)
    deliver(client, event("payment_intent.succeeded", succeeded(second)))
    wallet.refresh_from_db()
    assert (wallet.available, wallet.owed) == (360, 0)
    assert api.get("/wallet").json()["owed"] == 0
    assert api.get(f"/wallet/top-ups/{top_up.pk}").json()["credits_owed"] == 0
    assert order(api, seconds="4").status_code == 201


def test_a_refund_that_arrives_before_the_payment_grants_then_takes_back(
    client, stripe_server, bob
):
    top_up = a_top_up(bob)
    deliver(client, event("charge.refunded", refunded(top_up, amount_refunded=500)))
    deliver(client, event("payment_intent.succeeded", succeeded(top_up)))  # late
    top_up.refresh_from_db()
    assert top_up.status == "refunded"
    assert len(entries_of(bob, EntryKind.PURCHASE)) == 1
    assert available(bob) == 100


def test_events_about_other_payments_are_acknowledged_and_ignored(client, stripe_server, bob):
    body = event("payment_intent.succeeded", {"id": "pi_not_ours", "object": "payment_intent"})
    assert deliver(client, body).json()["code"] == "ok"
    assert deliver(client, event("customer.created", {"id": "cus_1"})).status_code == 200
    assert available(bob) == 100
