"""Property-based fuzzing of every operation in our OpenAPI schema (schemathesis).

Schemathesis reads GET /schema?format=json from the WSGI app in-process and, per operation,
sends schema-valid and schema-violating requests as a signed-in user with credits. The rule
it guards: bad input gets a clear 4xx, never a 500. Every response, errors included, must
also match what the schema promises (status code, content type, headers, body), so
annotations that drift from the views fail here.

Deterministic (derandomize=True, no example database): CI sees the same cases every run.
"""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from storycraft.wsgi import application
from testing import api_for, finished_order, person

schema = schemathesis.openapi.from_wsgi("/schema?format=json", application)


CHECKS = [
    not_a_server_error,
    negative_data_rejection,  # a request the schema forbids gets a 4xx
    status_code_conformance,  # every answer, errors included, is declared
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# A deliberately lenient query string, DRF's stock behaviour (answered 200, nothing lost):
# an empty optional filter (`?status=`) means no filter, an empty `?to=` its default.
LENIENT_QUERY = {"GET /videos", "GET /wallet/usage"}


@contextmanager
def in_this_transaction():
    """Serve a request in-process without closing the test's connection.

    Django closes "old" connections when a request starts and finishes; inside the test's
    atomic block that would drop the connection and the transaction with it. Django's test
    client does the same around each of its requests (and so reconnects the handler).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled(monkeypatch):
    # Otherwise /auth/register and /auth/login answer 429 after 20 examples and the rest
    # of their budget tests nothing. The throttle has its own tests (accounts).
    monkeypatch.setattr(
        "rest_framework.throttling.ScopedRateThrottle.allow_request", lambda *a: True
    )


@pytest.fixture
def fuzzer(db, sora_provider, unthrottled):
    return person("fuzzer", credits=1_000_000)


@pytest.fixture
def finished_job_id(fuzzer):
    """The id of a completed, stored video of the fuzzer's (one emulator job, ~1 s)."""
    return finished_order(api_for(fuzzer), prompt="The fuzzer's own video")["id"]


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one user and transaction for all examples
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api(case, fuzzer, request):
    # A random UUID is nobody's video: only a 404. Send most valid cases to the fuzzer's
    # finished video so detail, pull and the MP4 stream answer for real, and keep the rest
    # (a UUID starting 0-3) to probe unknown ids.
    job_id = str((case.path_parameters or {}).get("job_id", ""))
    if job_id[:1] not in ("", "0", "1", "2", "3") and (
        case.meta.generation.mode is GenerationMode.POSITIVE
    ):
        case.path_parameters["job_id"] = request.getfixturevalue("finished_job_id")
    token = RefreshToken.for_user(fuzzer).access_token
    with in_this_transaction():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=CHECKS,
            excluded_checks=(
                [negative_data_rejection] if case.operation.label in LENIENT_QUERY else []
            ),
        )
