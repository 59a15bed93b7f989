import uuid

import pytest
from rest_framework.test import APIClient

from testing import api_for, person
from wallet.services import (
    HoldRequest,
    grant_credits,
    release_hold,
    reserve_credits,
    settle_hold,
)

pytestmark = pytest.mark.django_db


def test_it_lists_entries_newest_first_with_hold_status(settings):
    settings.WELCOME_CREDITS = 200
    alice = person("alice")
    video_id, batch_id = uuid.uuid4(), uuid.uuid4()
    settled, released, _pending = reserve_credits(
        user=alice,
        holds=[
            HoldRequest(amount=40, key="video:1", video_id=video_id, batch_id=batch_id),
            HoldRequest(amount=20, key="video:2", note="80s style"),
            HoldRequest(amount=10, key="video:3"),
        ],
    )
    settle_hold(hold_id=settled.pk, video_id=video_id)
    release_hold(hold_id=released.pk)

    response = api_for(alice).get("/wallet/transactions")

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None and body["previous"] is None
    rows = body["results"]
    assert [(r["kind"], r["amount"], r["balance_after"], r["status"]) for r in rows] == [
        ("release", 20, 160, None),
        ("settle", 0, 160, None),
        ("hold", -10, 200, "pending"),
        ("hold", -20, 200, "refunded"),
        ("hold", -40, 200, "settled"),
        ("welcome", 200, 200, None),
    ]
    assert set(rows[0]) == {
        "id",
        "kind",
        "amount",
        "balance_after",
        "status",
        "video_id",
        "batch_id",
        "purchase",
        "note",
        "created_at",
    }
    assert (rows[4]["video_id"], rows[4]["batch_id"]) == (str(video_id), str(batch_id))
    assert rows[3]["note"] == "80s style"


def test_it_pages_with_a_cursor():
    alice = person("alice")
    for n in range(60):
        grant_credits(user=alice, amount=1, reason=f"grant {n}")
    client = api_for(alice)
    first = client.get("/wallet/transactions/").json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 50
    assert len(second["results"]) == 11
    assert second["next"] is None
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True)


def test_it_shows_only_the_callers_entries():
    person("alice")
    bob = person("bob")
    rows = api_for(bob).get("/wallet/transactions").json()["results"]
    assert len(rows) == 1


def test_it_reads_a_page_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    alice = person("alice")
    holds = reserve_credits(
        user=alice, holds=[HoldRequest(amount=1, key=f"video:{n}") for n in range(30)]
    )
    for hold in holds[:10]:
        settle_hold(hold_id=hold.pk)
    for hold in holds[10:20]:
        release_hold(hold_id=hold.pk)
    client = api_for(alice)
    # Authentication reads the user; the page is one query, hold statuses included.
    with django_assert_max_num_queries(2):
        response = client.get("/wallet/transactions")
    assert len(response.json()["results"]) == 50


def test_it_requires_authentication():
    assert APIClient().get("/wallet/transactions").status_code == 401
