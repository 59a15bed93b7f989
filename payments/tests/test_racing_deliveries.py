"""Deliveries racing on PostgreSQL: the same event twice at once, and two events of one
payment at once, through the webhook view in threads. One grant, whatever wins."""

import threading

import pytest
from django.db import connection
from django.test import Client

from payments.tests.helpers import a_top_up, deliver, event, succeeded
from testing import available, entries_of, person
from wallet.models import EntryKind

pytestmark = [pytest.mark.payments, pytest.mark.django_db(transaction=True)]


def _at_once(bodies: list[bytes]) -> list[str]:
    start = threading.Barrier(len(bodies))
    codes: list[str] = []

    def post(body: bytes) -> None:
        try:
            start.wait()
            answer = deliver(Client(), body)
            codes.append(f"{answer.status_code} {answer.json()['code']}")
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


@pytest.mark.parametrize("same_event", [True, False], ids=["one event twice", "two events"])
def test_racing_deliveries_grant_once(stripe_server, same_event):
    bob = person("bob", credits=100)
    top_up = a_top_up(bob)
    first = event("payment_intent.succeeded", succeeded(top_up))
    second = first if same_event else event("payment_intent.succeeded", succeeded(top_up))

    for _ in range(3):  # a few rounds: the race has to be won both ways
        codes = _at_once([first, second, first])
        assert all(code.startswith("200") for code in codes), codes

    assert len(entries_of(bob, EntryKind.PURCHASE)) == 1
    assert available(bob) == 600
    top_up.refresh_from_db()
    assert top_up.status == "succeeded"
