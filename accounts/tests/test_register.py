import pytest

pytestmark = pytest.mark.django_db


def register(client, email="alice@example.com", password="correct horse battery"):
    return client.post(
        "/auth/register", {"email": email, "password": password}, content_type="application/json"
    )


def test_it_registers_and_returns_tokens(client):
    response = register(client)
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "alice@example.com"
    assert set(body) == {"access", "refresh", "user"}
    assert set(body["user"]) == {"id", "email", "credits", "date_joined"}


def test_it_refuses_an_email_taken_in_another_case(client):
    assert register(client).status_code == 201
    response = register(client, email="ALICE@Example.COM")
    assert response.status_code == 400
    assert "email" in response.json()


def test_it_refuses_a_weak_password(client):
    response = register(client, password="123")
    assert response.status_code == 400
    assert "password" in response.json()
