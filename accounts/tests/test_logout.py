import pytest

from accounts.tests.helpers import login, post

pytestmark = pytest.mark.django_db


def test_it_logs_out_and_the_refresh_token_stops_working(client, alice):
    refresh = login(client).json()["refresh"]

    response = post(client, "/auth/logout", {"refresh": refresh})
    assert response.status_code == 205

    again = post(client, "/auth/refresh", {"refresh": refresh})
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"


def test_logging_out_twice_is_a_401(client, alice):
    refresh = login(client).json()["refresh"]
    post(client, "/auth/logout", {"refresh": refresh})
    response = post(client, "/auth/logout", {"refresh": refresh})
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_it_refuses_a_garbage_token(client):
    response = post(client, "/auth/logout", {"refresh": "garbage"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_it_needs_a_refresh_token(client):
    response = post(client, "/auth/logout", {})
    assert response.status_code == 400
    assert "refresh" in response.json()
