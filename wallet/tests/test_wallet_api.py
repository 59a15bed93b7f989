import pytest
from rest_framework.test import APIClient

from testing import api_for, person
from wallet.services import HoldRequest, reserve_credits

pytestmark = pytest.mark.django_db


def test_it_shows_balance_reserved_and_available():
    alice = person("alice", credits=100)
    reserve_credits(user=alice, holds=[HoldRequest(amount=30, key="video:1")])
    response = api_for(alice).get("/wallet")
    assert response.status_code == 200
    assert response.json() == {"balance": 100, "reserved": 30, "available": 70, "owed": 0}


def test_it_answers_with_a_trailing_slash_too():
    alice = person("alice", credits=100)
    assert api_for(alice).get("/wallet/").json()["available"] == 100


def test_it_reports_available_credits_as_the_users_credits():
    alice = person("alice", credits=100)
    reserve_credits(user=alice, holds=[HoldRequest(amount=30, key="video:1")])
    assert api_for(alice).get("/auth/me").json()["credits"] == 70


def test_it_requires_authentication():
    assert APIClient().get("/wallet").status_code == 401
