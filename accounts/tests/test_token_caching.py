"""Answers that carry tokens tell every browser and proxy not to keep them."""

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.helpers import login, post
from testing import PASSWORD

pytestmark = pytest.mark.django_db


def assert_not_stored(response, status: int):
    assert response.status_code == status, response.content
    assert "access" in response.json()
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"


def test_register_answers_are_not_stored(client):
    response = post(client, "/auth/register", {"email": "bob@example.com", "password": PASSWORD})
    assert_not_stored(response, 201)


def test_login_answers_are_not_stored(client, alice):
    assert_not_stored(login(client), 200)


def test_refresh_answers_are_not_stored(client, alice):
    refresh = str(RefreshToken.for_user(alice))
    assert_not_stored(post(client, "/auth/refresh", {"refresh": refresh}), 200)


def test_a_refused_login_is_not_stored_either(client, alice):
    response = login(client, password="guess")
    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store"
