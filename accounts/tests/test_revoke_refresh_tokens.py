"""accounts.services.revoke_refresh_tokens: the one place refresh tokens are killed in bulk
(password reset and change, deletion)."""

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import revoke_refresh_tokens
from accounts.tests.helpers import login, post
from testing import person

pytestmark = pytest.mark.django_db


def refresh(client, token: str) -> int:
    return post(client, "/auth/refresh", {"refresh": token}).status_code


def test_it_kills_every_refresh_token_of_the_user_and_no_one_elses(client, alice):
    phone, laptop = (login(client).json()["refresh"] for _ in range(2))
    person("bob")
    bobs = login(client, email="bob@example.com").json()["refresh"]

    assert revoke_refresh_tokens(user=alice) == 2

    assert (refresh(client, phone), refresh(client, laptop), refresh(client, bobs)) == (
        401,
        401,
        200,
    )
    assert revoke_refresh_tokens(user=alice) == 0


def test_it_can_spare_the_callers_own(client, alice):
    kept, other = (login(client).json()["refresh"] for _ in range(2))

    assert revoke_refresh_tokens(user=alice, except_jti=RefreshToken(kept)["jti"]) == 1

    assert (refresh(client, other), refresh(client, kept)) == (401, 200)
