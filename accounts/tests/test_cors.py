import pytest
from django.test import override_settings

from accounts.tests.helpers import login

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("alice"),
]

FRONTEND = "https://app.storycraft.example"


@pytest.fixture(autouse=True)
def _frontend_origins():
    with override_settings(CORS_ALLOWED_ORIGINS=[FRONTEND]):
        yield


def preflight(client, origin: str):
    return client.options(
        "/auth/login",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )


def test_it_allows_the_frontend(client):
    response = login(client, HTTP_ORIGIN=FRONTEND)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND


def test_it_exposes_headers_the_frontend_reads(client):
    response = login(client, HTTP_ORIGIN=FRONTEND)
    exposed = response.headers["Access-Control-Expose-Headers"].lower()
    assert "etag" in exposed
    assert "retry-after" in exposed


def test_it_gives_no_cors_headers_to_other_origins(client):
    response = login(client, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_it_answers_a_preflight_with_idempotency_key(client):
    response = preflight(client, FRONTEND)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "idempotency-key" in allowed
    assert "authorization" in allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_it_refuses_a_preflight_from_other_origins(client):
    response = preflight(client, "https://evil.example")
    assert "Access-Control-Allow-Origin" not in response.headers
