import threading

import pytest
from django.db import connection

from testing import entries_of, person, wallet_of
from wallet.exceptions import InsufficientCredits
from wallet.models import EntryKind
from wallet.services import HoldRequest, reserve_credits


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_the_affordable_reservations_through():
    alice = person("alice", credits=70)
    attempts = 50
    start = threading.Barrier(attempts)
    outcomes: list[str] = []

    def order(n: int) -> None:
        try:
            start.wait()
            reserve_credits(user=alice, holds=[HoldRequest(amount=10, key=f"video:{n}")])
            outcomes.append("reserved")
        except InsufficientCredits:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=order, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("reserved") == 7
    assert outcomes.count("refused") == 43
    wallet = wallet_of(alice)
    assert (wallet.balance, wallet.reserved, wallet.available) == (70, 70, 0)
    assert len(entries_of(alice, EntryKind.HOLD)) == 7
