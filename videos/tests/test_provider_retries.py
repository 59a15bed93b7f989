"""Retry decisions that the emulator cannot provoke: Retry-After limits and x-should-retry."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from videos.provider.http import _retry_after, _should_retry


def response(status: int, **headers) -> httpx.Response:
    return httpx.Response(status, headers={k.replace("_", "-"): v for k, v in headers.items()})


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry_after_ms": "250"}, 0.25),
        ({"retry_after": "2"}, 2.0),
        ({"retry_after_ms": "1500", "retry_after": "9"}, 1.5),
        ({"retry_after": "61"}, None),
        ({"retry_after": "0"}, None),
        ({"retry_after": "soon"}, None),
        ({}, None),
    ],
)
def test_it_reads_retry_after(headers, expected):
    assert _retry_after(response(429, **headers)) == expected


def test_it_reads_an_http_date_retry_after():
    assert _retry_after(response(503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")) is None


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (408, {}, True),
        (409, {}, True),
        (429, {}, True),
        (500, {}, True),
        (503, {}, True),
        (400, {}, False),
        (404, {}, False),
        (400, {"x_should_retry": "true"}, True),
        (503, {"x_should_retry": "false"}, False),
    ],
)
def test_it_decides_what_to_retry(status, headers, expected):
    assert _should_retry(response(status, **headers)) is expected


def test_it_reads_a_near_http_date_retry_after():
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    assert 3 < _retry_after(response(503, retry_after=soon)) <= 5
