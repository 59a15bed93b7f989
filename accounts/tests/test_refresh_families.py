"""A replayed rotated refresh token revokes its whole family (every token descended from
the same login); `POST /auth/logout` with `everywhere` ends every session."""

import pytest
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.tests.helpers import login, post
from testing import person

pytestmark = pytest.mark.django_db


def refresh(client, token: str):
    return post(client, "/auth/refresh", {"refresh": token})


def test_a_replayed_rotated_token_kills_its_family_and_only_it(client, alice):
    first = login(client).json()["refresh"]
    other_login = login(client).json()["refresh"]
    second = refresh(client, first).json()["refresh"]
    third = refresh(client, second).json()["refresh"]

    replay = refresh(client, first)  # the thief's copy, or the owner's: one of them is
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_not_valid"

    for descendant in (second, third):
        refused = refresh(client, descendant)
        assert refused.status_code == 401, descendant
        assert refused.json()["code"] == "token_not_valid"
    # Another login of the same user is another family.
    assert refresh(client, other_login).status_code == 200


def test_each_login_starts_a_family_that_rotation_keeps(client, alice):
    first = login(client).json()["refresh"]
    second = refresh(client, first).json()["refresh"]
    family = RefreshToken(second)[services.FAMILY_CLAIM]
    assert len(family) == 32
    assert RefreshToken(login(client).json()["refresh"])[services.FAMILY_CLAIM] != family
    # What is stored is what was handed out (the family's tokens are found by it).
    stored = OutstandingToken.objects.get(jti=RefreshToken(second)["jti"]).token
    assert stored == second


def test_a_replay_of_a_pre_family_token_revokes_all_of_the_users_tokens(client, alice):
    legacy = str(RefreshToken.for_user(alice))  # issued before families existed
    session = login(client).json()["refresh"]
    refresh(client, legacy)
    assert refresh(client, legacy).status_code == 401
    assert refresh(client, session).status_code == 401


def test_garbage_or_a_forged_token_revokes_nothing(client, alice):
    session = login(client).json()["refresh"]
    header, payload, _ = session.split(".")
    assert refresh(client, f"{header}.{payload}.forged").status_code == 401
    assert refresh(client, "garbage").status_code == 401
    assert refresh(client, session).status_code == 200


def test_logout_everywhere_ends_every_session(client, alice):
    sessions = [login(client).json()["refresh"] for _ in range(3)]
    rotated = refresh(client, sessions[1]).json()["refresh"]

    response = post(client, "/auth/logout", {"refresh": sessions[0], "everywhere": True})
    assert response.status_code == 205
    for token in (sessions[0], rotated, sessions[2]):
        assert refresh(client, token).status_code == 401


def test_logout_everywhere_leaves_other_users_alone(client, alice):
    person("bob")
    bob = login(client, "bob@example.com").json()["refresh"]
    mine = login(client).json()["refresh"]
    assert post(client, "/auth/logout", {"refresh": mine, "everywhere": True}).status_code == 205
    assert refresh(client, bob).status_code == 200


def test_a_plain_logout_ends_only_that_session(client, alice):
    first, second = (login(client).json()["refresh"] for _ in range(2))
    assert post(client, "/auth/logout", {"refresh": first}).status_code == 205
    assert refresh(client, second).status_code == 200


def test_logout_everywhere_needs_a_working_token(client, alice):
    session = login(client).json()["refresh"]
    response = post(client, "/auth/logout", {"refresh": "garbage", "everywhere": True})
    assert response.status_code == 401
    bad = post(client, "/auth/logout", {"refresh": session, "everywhere": "sure"})
    assert bad.status_code == 400 and "everywhere" in bad.json()
    assert refresh(client, session).status_code == 200
