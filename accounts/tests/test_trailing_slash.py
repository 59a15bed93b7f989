import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.helpers import post
from testing import PASSWORD

pytestmark = pytest.mark.django_db

SLASHES = pytest.mark.parametrize("slash", ["", "/"])


@SLASHES
def test_register_answers(client, slash):
    body = {"email": "dave@example.com", "password": PASSWORD}
    assert post(client, f"/auth/register{slash}", body).status_code == 201


@SLASHES
def test_login_answers(client, alice, slash):
    body = {"email": "alice@example.com", "password": PASSWORD}
    assert post(client, f"/auth/login{slash}", body).status_code == 200


@SLASHES
def test_refresh_answers(client, alice, slash):
    body = {"refresh": str(RefreshToken.for_user(alice))}
    assert post(client, f"/auth/refresh{slash}", body).status_code == 200


@SLASHES
def test_logout_answers(client, alice, slash):
    body = {"refresh": str(RefreshToken.for_user(alice))}
    assert post(client, f"/auth/logout{slash}", body).status_code == 205


@SLASHES
def test_me_answers(client, alice, slash):
    token = AccessToken.for_user(alice)
    response = client.get(f"/auth/me{slash}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


@SLASHES
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/schema", "/docs"])
def test_project_paths_answer(client, path, slash):
    assert client.get(f"{path}{slash}").status_code == 200
