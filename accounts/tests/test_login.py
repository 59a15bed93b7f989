import pytest

from accounts.tests.helpers import login

pytestmark = pytest.mark.django_db


def test_it_logs_in_and_returns_tokens(client, alice):
    response = login(client)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert body["user"]["email"] == "alice@example.com"
    alice.refresh_from_db()
    assert alice.last_login is not None


def test_it_ignores_the_letter_case_of_the_email(client, alice):
    response = login(client, email="Alice@EXAMPLE.com")
    assert response.status_code == 200
    assert response.json()["user"]["id"] == str(alice.id)


def test_it_refuses_a_wrong_password_with_401_and_a_code(client, alice):
    response = login(client, password="not the password")
    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong email or password.", "code": "invalid_credentials"}


def test_it_refuses_an_unknown_email_the_same_way(client, alice):
    response = login(client, email="mallory@example.com")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_it_refuses_an_inactive_user(client, alice):
    alice.is_active = False
    alice.save()
    assert login(client).status_code == 401
