"""B7 payments: 1,000 `payment_intent.succeeded` deliveries (a third of them the same event
again) through POST /webhooks/stripe, in-process with every middleware, vs raw psycopg
writing the same purchase entries (the wallet's UPDATE and the entry's INSERT, one
transaction each). Checks that each payment was granted exactly once."""

import hashlib
import hmac
import io
import json
import os
import sys
import time
import uuid

import psycopg

from benchmarks.common import Result
from benchmarks.poller import _pairs, ratio_result
from benchmarks.stack import analyze

SECRET = "whsec_benchmark"
USERS = 50
CREDITS = 500


def _signed(event: dict) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    timestamp = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return body, f"t={timestamp},v1={digest.hexdigest()}"


def _top_ups(count: int) -> list:
    """Pending top-ups as POST /wallet/top-ups leaves them (their PaymentIntents made up:
    the webhook never asks Stripe)."""
    from accounts.models import User
    from payments.models import CreditPack, TopUp

    pack, _ = CreditPack.objects.get_or_create(
        name="Benchmark", defaults={"credits": CREDITS, "amount": 500, "currency": "usd"}
    )
    users = [
        User.objects.create_user(email=f"pay-{uuid.uuid4().hex[:10]}@example.com")
        for _ in range(USERS)
    ]
    return TopUp.objects.bulk_create(
        TopUp(
            user=users[number % USERS],
            pack=pack,
            credits=CREDITS,
            amount=500,
            currency="usd",
            payment_intent=f"pi_bench_{uuid.uuid4().hex}",
        )
        for number in range(count)
    )


def _deliveries(top_ups: list, total: int) -> list[tuple[bytes, str]]:
    """One event per top-up, then the first of them again until `total` deliveries."""
    events = [
        _signed(
            {
                "id": f"evt_{uuid.uuid4().hex}",
                "object": "event",
                "type": "payment_intent.succeeded",
                "data": {"object": {"id": top_up.payment_intent, "object": "payment_intent"}},
            }
        )
        for top_up in top_ups
    ]
    return events + events[: total - len(events)]


def _through_the_view(deliveries: list[tuple[bytes, str]]) -> float:
    """POST each delivery to Django's WSGI application as a server calls it (Django's test
    client would add its own instrumentation: template signals, a cookie jar)."""
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    started = time.perf_counter()
    for body, signature in deliveries:
        answer = application(_environ(body, signature), _start_response)
        content = b"".join(answer)
        answer.close()  # request_finished, as a server sends it
        if answer.status_code != 200:
            raise RuntimeError(f"webhook answered {answer.status_code}: {content[:200]!r}")
    return time.perf_counter() - started


def _environ(body: bytes, signature: str) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/webhooks/stripe",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "https",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_STRIPE_SIGNATURE": signature,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
    }


def _start_response(status, headers, exc_info=None):
    return None


def _raw(database_url: str, top_ups: list) -> float:
    with psycopg.connect(database_url) as raw:
        started = time.perf_counter()
        for top_up in top_ups:
            with raw.transaction():
                row = raw.execute(
                    "UPDATE wallet_wallet SET balance = balance + %s WHERE user_id = %s "
                    "RETURNING id, balance, reserved",
                    [CREDITS, top_up.user_id],
                ).fetchone()
                raw.execute(
                    "INSERT INTO wallet_ledgerentry (wallet_id, kind, balance_change, "
                    "reserved_change, balance_after, reserved_after, key, note, "
                    "created_at) VALUES (%s, 'purchase', %s, 0, %s, %s, %s, '', now())",
                    [row[0], CREDITS, row[1], row[2], f"raw:{uuid.uuid4()}"],
                )
        return time.perf_counter() - started


def webhook(*, deliveries: int = 1000, pairs: int = 7) -> list[Result]:
    from django.test import override_settings

    from wallet.models import EntryKind, LedgerEntry

    database_url = os.environ["DATABASE_URL"]
    distinct = deliveries - deliveries // 3
    rounds = []

    def measure():
        top_ups = _top_ups(distinct)
        batch = _deliveries(top_ups, deliveries)
        analyze()
        took = _through_the_view(batch)
        rounds.append(top_ups)
        return took

    def baseline():
        return _raw(database_url, _top_ups(distinct))

    from django.db import connection

    # The web process borrows a connection from its pool for each request, checked when it
    # was made (storycraft.settings): no health-check query per request, as there is with
    # CONN_MAX_AGE, which this process has.
    connection.close()
    connection.settings_dict["CONN_HEALTH_CHECKS"] = False
    try:
        with override_settings(STRIPE_WEBHOOK_SECRET=SECRET):
            measured, baselines = _pairs(measure, baseline, pairs)
    finally:
        connection.close()
        connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    # Exactly one grant per payment, however often it was delivered.
    for top_ups in rounds:
        keys = [top_up.payment_intent for top_up in top_ups]
        grants = LedgerEntry.objects.filter(kind=EntryKind.PURCHASE, key__in=keys).count()
        if grants != len(keys):
            raise AssertionError(f"{grants} purchase entries for {len(keys)} payments")
    return [
        ratio_result(
            f"B7 payment_intent.succeeded webhooks: time for {deliveries} deliveries "
            f"({deliveries - distinct} repeats) through POST /webhooks/stripe vs raw psycopg "
            f"UPDATE+INSERT of the {distinct} purchases ({pairs} pairs)",
            measured,
            baselines,
            2.0,
            note="target <= 2 in time is >= 0.5x the raw inserts' throughput; "
            "one grant per payment checked",
        )
    ]
