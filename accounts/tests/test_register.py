import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.tests.helpers import post
from testing import PASSWORD

pytestmark = pytest.mark.django_db


def register(client, email="alice@example.com", password=PASSWORD):
    return post(client, "/auth/register", {"email": email, "password": password})


def test_it_registers_and_returns_tokens(client):
    response = register(client)
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "alice@example.com"
    assert set(body) == {"access", "refresh", "user"}
    assert set(body["user"]) == {"id", "email", "email_verified", "credits", "date_joined"}
    assert (body["user"]["email_verified"], body["user"]["credits"]) == (False, 0)
    assert User.objects.get(email="alice@example.com").check_password(PASSWORD)


def test_it_hashes_passwords_with_argon2(client):
    register(client)
    assert User.objects.get().password.startswith("argon2")


def test_it_refuses_an_email_taken_in_another_case(client):
    assert register(client).status_code == 201
    response = register(client, email="ALICE@Example.COM")
    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.count() == 1


def test_the_database_refuses_emails_differing_only_in_case():
    # Two sign-ups racing past the serializer's check still meet the constraint.
    User.objects.create_user(email="bob@example.com", password=PASSWORD)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="BOB@example.com", password=PASSWORD)


def test_it_refuses_a_weak_password(client):
    response = register(client, password="123")
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.exists()


def test_it_refuses_a_password_like_the_email(client):
    response = register(client, email="carol.danvers@example.com", password="carol.danvers")
    assert response.status_code == 400
    assert "password" in response.json()


def test_it_refuses_a_bad_email(client):
    response = register(client, email="not-an-email")
    assert response.status_code == 400
    assert "email" in response.json()


def test_it_refuses_a_missing_password(client):
    response = post(client, "/auth/register", {"email": "alice@example.com"})
    assert response.status_code == 400
    assert "password" in response.json()
