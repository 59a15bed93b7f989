"""payments.fulfilment: a first `payment_intent.succeeded` fulfilled by one statement on
PostgreSQL, and each case it leaves to the step-by-step path. The races are played out for
real: one connection holds a lock while the webhook's statement waits on it."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from payments import fulfilment
from payments.models import StripeEvent
from payments.services import fulfil_payment
from payments.tests.helpers import a_pack, a_top_up, deliver, event, succeeded
from testing import available, entries_of, person
from wallet.models import EntryKind, Wallet
from wallet.services import purchase_credits, take_back_credits

pytestmark = pytest.mark.payments


@pytest.fixture
def outcomes(monkeypatch) -> list:
    """What each call of fulfil_at_once answered."""
    seen: list = []
    original = fulfilment.fulfil_at_once

    def spy(**kwargs):
        seen.append(original(**kwargs))
        return seen[-1]

    monkeypatch.setattr("payments.webhooks.fulfil_at_once", spy)
    return seen


@pytest.mark.django_db
def test_a_first_payment_takes_one_statement_and_a_replay_is_known(client, stripe_server, outcomes):
    bob = person("bob", credits=100)
    body = event("payment_intent.succeeded", succeeded(a_top_up(bob)))

    assert [deliver(client, body).json()["code"] for _ in range(2)] == ["ok", "duplicate"]

    assert outcomes == [True, False]
    assert available(bob) == 600


@pytest.mark.django_db
def test_a_wallet_that_owes_credits_is_settled_step_by_step(client, stripe_server, outcomes):
    bob = person("bob", credits=100)
    take_back_credits(user=bob, amount=300, note="a refund")  # 100 taken, 200 owed
    deliver(client, event("payment_intent.succeeded", succeeded(a_top_up(bob))))

    assert outcomes == [None]
    wallet = Wallet.objects.get(user=bob)
    assert (wallet.available, wallet.owed) == (300, 0)


@pytest.mark.django_db
def test_a_user_without_a_wallet_gets_one_step_by_step(client, stripe_server, outcomes):
    carol = person("carol", verified=False)  # no welcome credits yet: an empty wallet
    Wallet.objects.filter(user=carol).delete()
    deliver(client, event("payment_intent.succeeded", succeeded(a_top_up(carol))))

    assert outcomes == [None]
    assert available(carol) == 500


@pytest.mark.django_db
def test_a_purchase_already_granted_for_a_pending_top_up_is_not_granted_again(
    client, stripe_server, outcomes
):
    bob = person("bob", credits=100)
    top_up = a_top_up(bob)
    purchase_credits(user=bob, amount=500, payment_id=top_up.payment_intent)

    answer = deliver(client, event("payment_intent.succeeded", succeeded(top_up)))

    # The statement broke the purchase's unique key and wrote nothing; step by step
    # found the grant and marked the top-up paid.
    assert (answer.status_code, outcomes) == (200, [None])
    top_up.refresh_from_db()
    assert top_up.status == "succeeded"
    assert len(entries_of(bob, EntryKind.PURCHASE)) == 1
    assert available(bob) == 600


def _deliver_in_a_thread(body: bytes) -> tuple[threading.Thread, list]:
    answers: list = []

    def post() -> None:
        try:
            answers.append(deliver(Client(), body))
        finally:
            connection.close()

    thread = threading.Thread(target=post)
    thread.start()
    return thread, answers


def _wait_until_a_statement_waits_on_a_lock() -> None:
    with connection.cursor() as cursor:
        for _ in range(200):
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the webhook never waited on the lock")


@pytest.mark.django_db(transaction=True)
def test_a_debt_that_arrives_while_the_statement_runs_is_settled_from_the_purchase(
    stripe_server, outcomes
):
    bob = person("bob", credits=100)
    top_up = a_top_up(bob)
    with transaction.atomic():
        # A refund takes back what it can and leaves 140 owed, its wallet row locked: the
        # statement saw nothing owed, then waits on that row.
        take_back_credits(user=bob, amount=240, note="a dispute")
        thread, answers = _deliver_in_a_thread(event("payment_intent.succeeded", succeeded(top_up)))
        _wait_until_a_statement_waits_on_a_lock()
    thread.join(timeout=10)

    assert answers[0].json()["code"] == "ok"
    assert outcomes == [True]
    wallet = Wallet.objects.get(user=bob)
    assert (wallet.available, wallet.owed) == (360, 0)
    kinds = [entry.kind for entry in entries_of(bob)][-3:]
    assert kinds == [EntryKind.REFUND, EntryKind.PURCHASE, EntryKind.REFUND]


@pytest.mark.django_db(transaction=True)
def test_another_event_that_paid_the_top_up_first_leaves_only_the_charge_to_fill_in(
    stripe_server, outcomes
):
    bob = person("bob", credits=100)
    top_up = a_top_up(bob, a_pack())
    with transaction.atomic():
        fulfil_payment(payment_intent=top_up.payment_intent)  # holds the top-up's row
        thread, answers = _deliver_in_a_thread(
            event("payment_intent.succeeded", succeeded(top_up, latest_charge="ch_late"))
        )
        _wait_until_a_statement_waits_on_a_lock()
    thread.join(timeout=10)

    assert answers[0].json()["code"] == "ok"
    assert outcomes == [True]
    top_up.refresh_from_db()
    assert (top_up.status, top_up.charge) == ("succeeded", "ch_late")
    assert len(entries_of(bob, EntryKind.PURCHASE)) == 1
    assert available(bob) == 600
    assert StripeEvent.objects.count() == 1
