import pytest
from rest_framework.throttling import ScopedRateThrottle

from accounts.tests.helpers import login, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _three_per_minute(monkeypatch):
    # DRF binds the rates when the class is defined, so overriding settings is not enough.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/minute"})


def test_it_throttles_logins_with_429_and_retry_after(client, alice):
    for _ in range(3):
        assert login(client, password="guess").status_code == 401
    response = login(client)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_it_throttles_registrations(client):
    for n in range(3):
        response = post(
            client,
            "/auth/register",
            {"email": f"user{n}@example.com", "password": "correct horse battery"},
        )
        assert response.status_code == 201
    response = post(
        client, "/auth/register", {"email": "one@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_it_counts_each_client_ip_apart(client, alice):
    for _ in range(3):
        login(client, REMOTE_ADDR="203.0.113.1")
    assert login(client, REMOTE_ADDR="203.0.113.1").status_code == 429
    assert login(client, REMOTE_ADDR="203.0.113.2").status_code == 200
