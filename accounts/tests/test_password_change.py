"""A signed-in user changes their password: every refresh token dies, the answer brings
a fresh pair."""

import pytest

from accounts.tests.helpers import login, post
from testing import PASSWORD, api_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new secret 77"


def change(client, old_password=PASSWORD, password=NEW_PASSWORD):
    return client.post(
        "/auth/password", {"old_password": old_password, "password": password}, format="json"
    )


def test_it_changes_the_password_and_hands_out_a_fresh_pair(client, alice):
    response = change(api_for(alice))
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh", "user"}
    assert response["Cache-Control"] == "no-store"
    assert login(client, password=NEW_PASSWORD).status_code == 200
    assert post(client, "/auth/refresh", {"refresh": response.json()["refresh"]}).status_code == 200


def test_every_earlier_refresh_token_dies(client, alice):
    phone, laptop = (login(client).json()["refresh"] for _ in range(2))
    change(api_for(alice))
    for refresh in (phone, laptop):
        assert post(client, "/auth/refresh", {"refresh": refresh}).status_code == 401


def test_a_wrong_old_password_changes_nothing(client, alice):
    phone = login(client).json()["refresh"]
    response = change(api_for(alice), old_password="not it at all")
    assert response.status_code == 400
    assert response.json() == {"old_password": ["The password is not correct."]}
    assert login(client).status_code == 200
    assert post(client, "/auth/refresh", {"refresh": phone}).status_code == 200


def test_a_weak_password_is_refused(client, alice):
    response = change(api_for(alice), password="alice@example")
    assert response.status_code == 400
    assert "password" in response.json()
    assert login(client).status_code == 200


def test_it_needs_a_token(client):
    assert post(client, "/auth/password", {"old_password": "a", "password": "b"}).status_code == 401
