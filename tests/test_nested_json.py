"""A deeply nested body is a 400 `parse_error` on every endpoint, never a RecursionError."""

import pytest

from storycraft.parsers import MAX_DEPTH
from testing import api_for, person

pytestmark = pytest.mark.django_db

PUBLIC = ["/auth/register", "/auth/login", "/auth/refresh", "/auth/logout"]
LOGGED_IN = ["/videos", "/videos/batch"]


def nested_lists(depth: int) -> str:
    return "[" * depth + "]" * depth  # depth 1,000 is 2 KB


def nested_objects(depth: int) -> str:
    return '{"refresh": ' + '{"a": ' * (depth - 1) + "1" + "}" * depth


@pytest.fixture(autouse=True)
def _no_throttle(monkeypatch):
    monkeypatch.setattr(
        "rest_framework.throttling.ScopedRateThrottle.allow_request", lambda *a: True
    )


@pytest.fixture
def alice_api():
    return api_for(person("alice", credits=1000))


def assert_parse_error(response):
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error"
    assert "nested deeper" in response.json()["detail"]


@pytest.mark.parametrize("path", PUBLIC)
@pytest.mark.parametrize("body", [nested_lists(1_000), nested_objects(1_000)])
def test_it_refuses_a_deeply_nested_body_without_login(client, path, body):
    assert_parse_error(client.post(path, body, content_type="application/json"))


@pytest.mark.parametrize("path", LOGGED_IN)
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_it_refuses_a_deeply_nested_body_when_logged_in(alice_api, path, depth):
    response = alice_api.post(path, nested_lists(depth), content_type="application/json")
    assert_parse_error(response)


@pytest.mark.parametrize("path", PUBLIC)
def test_it_refuses_a_body_just_past_the_limit(client, path):
    response = client.post(path, nested_objects(MAX_DEPTH + 1), content_type="application/json")
    assert_parse_error(response)


@pytest.mark.parametrize("path", PUBLIC)
def test_it_reads_a_body_at_the_limit_as_usual(client, path):
    response = client.post(path, nested_objects(MAX_DEPTH), content_type="application/json")
    assert response.status_code in (400, 401)
    assert response.json().get("code") != "parse_error"
