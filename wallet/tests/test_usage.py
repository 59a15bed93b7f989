"""GET /wallet/usage: credits spent, refunded and held per day or per model, read
from the ledger."""

from datetime import timedelta

import pytest
from django.utils import timezone

from testing import api_for, held_jobs, person
from videos.services import lifecycle
from wallet.selectors import usage_of
from wallet.services import purchase_credits, settle_hold

pytestmark = pytest.mark.django_db


def story_of_alice():
    """Alice: one 80-credit sora-2 video charged, one 240-credit sora-2-pro refunded,
    one 240-credit sora-2-pro still rendering."""
    alice = person("alice", credits=1000)
    [charged] = held_jobs(alice, cost=80, model="sora-2")
    [refunded, _still_rendering] = held_jobs(alice, 2, cost=240, model="sora-2-pro")
    settle_hold(hold_id=charged.hold_id, video_id=charged.pk)
    lifecycle.cancel_job(job_id=refunded.pk)
    return alice


def test_it_sums_spent_refunded_and_held_per_model():
    alice = story_of_alice()
    response = api_for(alice).get("/wallet/usage", {"group": "model"})
    assert response.status_code == 200
    body = response.json()
    assert body["group"] == "model"
    assert body["results"] == [
        {"model": "sora-2", "spent": 80, "refunded": 0, "held": 0, "purchased": 0},
        {"model": "sora-2-pro", "spent": 0, "refunded": 240, "held": 240, "purchased": 0},
    ]
    assert body["total"] == {"spent": 80, "refunded": 240, "held": 240, "purchased": 0}


def test_it_groups_per_day_in_a_bounded_range():
    alice = story_of_alice()
    today = timezone.localdate()
    response = api_for(alice).get("/wallet/usage")
    body = response.json()
    assert body["from"] == str(today - timedelta(days=29)) and body["to"] == str(today)
    assert body["results"] == [
        {"day": str(today), "spent": 80, "refunded": 240, "held": 240, "purchased": 0}
    ]


def test_entries_outside_the_range_are_left_out():
    alice = story_of_alice()
    yesterday = timezone.localdate() - timedelta(days=1)
    body = api_for(alice).get("/wallet/usage", {"to": str(yesterday)}).json()
    assert body["results"] == [] and body["total"] == {
        "spent": 0,
        "refunded": 0,
        "held": 0,
        "purchased": 0,
    }


def test_it_counts_only_the_callers_own_ledger():
    story_of_alice()
    bob = person("bob", credits=100)
    assert api_for(bob).get("/wallet/usage", {"group": "model"}).json()["results"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"group": "week"},
        {"from": "yesterday"},
        {"from": "2026-02-30"},
        {"from": "2026-05-02", "to": "2026-05-01"},
        {"from": "2020-01-01", "to": "2026-01-01"},
        {"to": "9" * 40},
        {"to": ""},
    ],
)
def test_junk_is_a_400(query):
    response = api_for(person("alice")).get("/wallet/usage", query)
    assert response.status_code == 400


def test_it_needs_a_login(client):
    assert client.get("/wallet/usage").status_code == 401


def test_it_is_one_query(django_assert_num_queries):
    alice = story_of_alice()
    today = timezone.localdate()
    with django_assert_num_queries(1):
        usage_of(user=alice, first_day=today, last_day=today, group="model")


def test_it_counts_purchased_credits():
    bob = person("bob")
    purchase_credits(user=bob, amount=500, payment_id="pi_usage")
    body = api_for(bob).get("/wallet/usage").json()
    assert body["results"] == [
        {"day": str(timezone.localdate()), "spent": 0, "refunded": 0, "held": 0, "purchased": 500}
    ]
    assert body["total"]["purchased"] == 500
