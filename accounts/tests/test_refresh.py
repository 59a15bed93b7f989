import pytest

from accounts.tests.helpers import login, post

pytestmark = pytest.mark.django_db


def refresh(client, token: str):
    return post(client, "/auth/refresh", {"refresh": token})


def test_it_rotates_the_refresh_token(client, alice):
    first = login(client).json()["refresh"]
    response = refresh(client, first)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != first
    me = client.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200


def test_the_old_refresh_token_dies_on_rotation(client, alice):
    first = login(client).json()["refresh"]
    second = refresh(client, first).json()["refresh"]

    replay = refresh(client, first)
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_not_valid"

    # The replay revoked the whole family (test_refresh_families.py).
    assert refresh(client, second).status_code == 401


def test_it_refuses_garbage(client):
    response = refresh(client, "not.a.token")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
