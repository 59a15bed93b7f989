"""Junk in URLs, headers and cursors gets a 4xx with a reason, never a 500."""

import base64

import pytest

from testing import api_for, available, order, person
from videos.models import VideoJob

pytestmark = pytest.mark.django_db


def forged_cursor(position: str, offset: str = "0") -> str:
    return base64.b64encode(f"o={offset}&p={position}".encode()).decode()


@pytest.mark.parametrize("path", ["/videos", "/wallet/transactions"])
@pytest.mark.parametrize(
    "cursor",
    [forged_cursor("notadate"), forged_cursor("9" * 5000), forged_cursor("x", offset="-1")],
)
def test_a_tampered_cursor_is_a_404(path, cursor):
    response = api_for(person("alice", credits=10)).get(path, {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_huge_expiry_in_a_file_link_is_a_403(client):
    job_id = "00000000-0000-0000-0000-000000000001"
    response = client.get(f"/videos/{job_id}/file", {"expires": "9" * 5000, "signature": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("key", ["bad\x00key", "tab\tkey", "ключ"])
def test_an_unprintable_idempotency_key_is_a_400(sora_provider, key):
    alice = person("alice", credits=200)
    response = api_for(alice).post(
        "/videos",
        {"prompt": "A fox", "seconds": 4, "format": "16:9"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not VideoJob.objects.exists() and available(alice) == 200


def test_a_nul_byte_in_the_prompt_is_a_400(sora_provider):
    alice = person("alice", credits=200)
    response = order(api_for(alice), prompt="A fox\x00 in the snow")
    assert response.status_code == 400 and "prompt" in response.json()


@pytest.mark.parametrize("value", [{"a": 1}, [4], 4.5, True, "9" * 5000, None])
def test_wrong_types_for_seconds_are_a_400(sora_provider, value):
    alice = person("alice", credits=200)
    response = order(api_for(alice), seconds=value)
    assert response.status_code == 400 and "seconds" in response.json()


@pytest.mark.parametrize("path", ["/videos", "/wallet/transactions"])
@pytest.mark.parametrize("page_size", ["abc", "0", "-5", "1.5", "9" * 40])
def test_a_junk_page_size_is_a_400(path, page_size):
    response = api_for(person("alice", credits=10)).get(path, {"page_size": page_size})
    assert response.status_code == 400
    assert "page_size" in response.json()


@pytest.mark.parametrize("path", ["/videos", "/wallet/transactions"])
def test_a_page_size_over_100_is_a_400_as_the_schema_says(path):
    client = api_for(person("alice", credits=10))
    assert client.get(path, {"page_size": "100"}).status_code == 200
    response = client.get(path, {"page_size": "101"})
    assert response.status_code == 400
    assert response.json() == {"page_size": ["A whole number from 1 to 100."]}
