"""storycraft.prepared: a hot statement planned once per connection, errors as Django's."""

import pytest
from django.db import IntegrityError, connection

from storycraft.prepared import fetch_one_prepared

pytestmark = pytest.mark.django_db

STATEMENT = "SELECT %(number)s::int * 2, %(word)s::text"


def _times_prepared() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%::int * 2%"],
        )
        return cursor.fetchone()[0]


def test_a_statement_is_prepared_once_then_reused():
    assert fetch_one_prepared(STATEMENT, {"number": 21, "word": "a"}) == (42, "a")
    assert fetch_one_prepared(STATEMENT, {"number": 2, "word": "b"}) == (4, "b")
    assert _times_prepared() == 1


def test_its_errors_are_djangos():
    with pytest.raises(IntegrityError):
        fetch_one_prepared(
            "INSERT INTO wallet_wallet (user_id, balance, reserved, owed, created_at) "
            "VALUES (NULL, 0, 0, 0, now()) RETURNING id",
            {},
        )
