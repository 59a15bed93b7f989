import io
import itertools

import pytest
from django.core.management import call_command
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testing import person, wallet_of
from wallet import services
from wallet.exceptions import InsufficientCredits
from wallet.models import LedgerEntry

pytestmark = pytest.mark.django_db

amounts = st.integers(min_value=1, max_value=300)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), amounts),
        st.tuples(st.just("deduct"), amounts),
        st.tuples(st.just("reserve"), st.lists(amounts, min_size=1, max_size=4)),
        st.tuples(st.just("settle"), st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("release"), st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("retry_reserve"), st.integers(min_value=0, max_value=30)),
    ),
    max_size=25,
)
people = itertools.count()


class Expected:
    """What the wallet should hold, computed without the database."""

    def __init__(self, balance: int):
        self.balance, self.reserved = balance, 0
        self.holds: list[tuple[int, int, str]] = []  # (hold id, amount, key)
        self.resolved: set[int] = set()

    @property
    def available(self) -> int:
        return self.balance - self.reserved


def apply(user, expected: Expected, operation: str, argument) -> None:
    if operation == "grant":
        services.grant_credits(user=user, amount=argument, reason="test")
        expected.balance += argument
    elif operation == "deduct":
        try:
            services.deduct_credits(user=user, amount=argument, reason="test")
            expected.balance -= argument
        except InsufficientCredits:
            assert argument > expected.available
    elif operation == "reserve":
        keys = [f"video:{len(expected.holds) + n}" for n in range(len(argument))]
        requests = [
            services.HoldRequest(amount=a, key=k) for a, k in zip(argument, keys, strict=True)
        ]
        try:
            entries = services.reserve_credits(user=user, holds=requests)
        except InsufficientCredits:
            assert sum(argument) > expected.available
            return
        expected.reserved += sum(argument)
        expected.holds += [(e.pk, a, k) for e, a, k in zip(entries, argument, keys, strict=True)]
    elif expected.holds:
        hold_id, amount, key = expected.holds[argument % len(expected.holds)]
        if operation == "retry_reserve":
            [entry] = services.reserve_credits(
                user=user, holds=[services.HoldRequest(amount=amount, key=key)]
            )
            assert entry.pk == hold_id
            return
        resolve = services.settle_hold if operation == "settle" else services.release_hold
        resolve(hold_id=hold_id)
        if hold_id not in expected.resolved:
            expected.resolved.add(hold_id)
            expected.reserved -= amount
            expected.balance -= amount if operation == "settle" else 0


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations)
def test_it_keeps_the_wallet_equal_to_the_sum_of_its_entries(operations):
    user = person(f"user{next(people)}")
    expected = Expected(balance=wallet_of(user).balance)
    for operation, argument in operations:
        apply(user, expected, operation, argument)
        wallet = wallet_of(user)
        assert (wallet.balance, wallet.reserved) == (expected.balance, expected.reserved)
        assert wallet.available >= 0

    sums = LedgerEntry.objects.filter(wallet__user=user).aggregate(
        balance=Sum("balance_change"), reserved=Sum("reserved_change")
    )
    assert (sums["balance"] or 0, sums["reserved"] or 0) == (expected.balance, expected.reserved)
    call_command("reconcile_wallets", stdout=io.StringIO())
