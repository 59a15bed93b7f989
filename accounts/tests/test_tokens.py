from datetime import timedelta

import jwt
import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.helpers import post

pytestmark = pytest.mark.django_db


def me(client, token: str):
    return client.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def forge(token, key: str = "mallory's own key, not ours at all") -> str:
    return jwt.encode(dict(token.payload), key, algorithm="HS256")


def test_it_answers_me_with_a_valid_access_token(client, alice):
    response = me(client, str(AccessToken.for_user(alice)))
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.com"


def test_it_refuses_me_without_a_token(client):
    response = client.get("/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_an_expired_access_token(client, alice):
    token = AccessToken.for_user(alice)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    response = me(client, str(token))
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_it_refuses_a_forged_access_token(client, alice):
    response = me(client, forge(AccessToken.for_user(alice)))
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_it_refuses_a_refresh_token_used_as_access_token(client, alice):
    response = me(client, str(RefreshToken.for_user(alice)))
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_it_refuses_an_expired_refresh_token(client, alice):
    token = RefreshToken.for_user(alice)
    token.set_exp(from_time=timezone.now() - timedelta(days=30))
    response = post(client, "/auth/refresh", {"refresh": str(token)})
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_it_refuses_a_forged_refresh_token(client, alice):
    response = post(client, "/auth/refresh", {"refresh": forge(RefreshToken.for_user(alice))})
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_it_refuses_a_blacklisted_refresh_token(client, alice):
    token = RefreshToken.for_user(alice)
    token.blacklist()
    response = post(client, "/auth/refresh", {"refresh": str(token)})
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_it_refuses_tokens_of_a_deactivated_user(client, alice):
    token = AccessToken.for_user(alice)
    alice.is_active = False
    alice.save()
    assert me(client, str(token)).status_code == 401
