"""Whatever a client sends, the answer is a 4xx with a body, never a 500."""

import json

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PATHS = ["/auth/register", "/auth/login", "/auth/refresh", "/auth/logout"]

JUNK_JSON = [
    "[]",
    '["alice@example.com", "pw"]',
    '"a string"',
    "42",
    "true",
    "null",
    "{}",
    '{"email": 123, "password": ["x"], "refresh": 7}',
    '{"email": null, "password": null, "refresh": null}',
    '{"email": {"a": 1}, "password": {"b": 2}, "refresh": {"c": 3}}',
    '{"email": "alice@example.com", "password": "x\\u0000y", "refresh": "\\u0000"}',
    '{"email": "al\\u0000ice@example.com", "password": "correct horse battery"}',
    '{"email": "' + "a" * 10_000 + '@example.com", "password": "' + "p" * 10_000 + '"}',
]


@pytest.fixture(autouse=True)
def _no_throttle(monkeypatch):
    monkeypatch.setattr(
        "rest_framework.throttling.ScopedRateThrottle.allow_request", lambda *a: True
    )


def send(client, path: str, body: bytes | str, content_type: str = "application/json"):
    return client.post(path, body, content_type=content_type)


def assert_refused(response, status: int | tuple = (400, 401)):
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("body", JUNK_JSON)
def test_it_refuses_junk_json(client, path, body):
    assert_refused(send(client, path, body))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("body", ["{", '{"email": }', "\xff\xfe", "nan", b"\x80\x81\x82"])
def test_it_refuses_invalid_json_with_parse_error(client, path, body):
    body = assert_refused(send(client, path, body), 400)
    assert body["code"] == "parse_error"


@pytest.mark.parametrize("path", PATHS)
def test_it_refuses_other_content_types_with_415(client, path):
    body = assert_refused(send(client, path, "email=a@b.c&password=x", "text/plain"), 415)
    assert body["code"] == "unsupported_media_type"


@pytest.mark.parametrize("path", PATHS)
def test_it_refuses_form_posts_with_415(client, path):
    response = client.post(path, {"email": "a@b.c", "password": "x"})
    assert assert_refused(response, 415)["code"] == "unsupported_media_type"


@pytest.mark.parametrize("path", PATHS)
def test_it_refuses_a_huge_body(client, path):
    huge = json.dumps(
        {"email": "a@example.com", "password": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    )
    body = assert_refused(send(client, path, huge), 413)
    assert body["code"] == "request_too_large"


@pytest.mark.parametrize("path", PATHS)
def test_it_refuses_get_with_405(client, path):
    body = assert_refused(client.get(path), 405)
    assert body["code"] == "method_not_allowed"
