import threading

import pytest
from django.db import connection

from testing import entries_of, person, wallet_of
from wallet.models import EntryKind
from wallet.services import HoldRequest, release_hold, reserve_credits, settle_hold


@pytest.mark.django_db(transaction=True)
def test_it_resolves_a_hold_exactly_once_under_a_race():
    alice = person("alice", credits=100)
    [hold] = reserve_credits(user=alice, holds=[HoldRequest(amount=40, key="video:1")])
    racers = 8
    start = threading.Barrier(racers)
    answers: list[int] = []
    errors: list[BaseException] = []

    def resolve(settle: bool) -> None:
        try:
            start.wait()
            entry = settle_hold(hold_id=hold.pk) if settle else release_hold(hold_id=hold.pk)
            answers.append(entry.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=resolve, args=(n % 2 == 0,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    [resolution] = entries_of(alice, EntryKind.SETTLE, EntryKind.RELEASE)
    assert answers == [resolution.pk] * racers
    wallet = wallet_of(alice)
    assert wallet.reserved == 0
    assert wallet.balance == (60 if resolution.kind == EntryKind.SETTLE else 100)
