"""One Idempotency-Key, one answer (Stripe's design), at the API edge: the first request
with a key runs, every other request with it gets the answer the first one got, status and
body, the concurrent ones included (they wait for it, or get a 409 to retry a little later).

The one mechanism for every keyed endpoint (orders, batches, remix, top-ups). Its
fingerprint (the endpoint and the body) is the only one: the ordering services store it on
the jobs and batches a keyed request creates, so that a retry after the request died (its
process killed, its connection lost) finds them, sends what was never sent, and is refused
with the same IdempotencyKeyReusedForOtherRequest when it asks for something else."""

import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response

from storycraft.connections import once_more_on_lost_connection
from storycraft.errors import domain_error_body, status_of
from videos.exceptions import (
    IdempotencyKeyInUse,
    IdempotencyKeyReusedForOtherRequest,
    OrderFailedUpstream,
    OrderRefused,
)
from videos.models import IdempotencyRecord
from videos.services.files import content_digest

# Longer than an order can take (the provider's read timeout and its retries), so only a
# request whose process died loses its claim on the key.
CLAIM = timedelta(seconds=120)
WAIT_STEP = 0.1
# Errors that come after a job was created (and failed): they are the key's answer. Any
# other failure created nothing, so the key is released for a retry to use.
FINAL_ERRORS = (OrderRefused, OrderFailedUpstream)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict | None  # the record's JSON field is nullable
    replayed: bool = False


@dataclass(frozen=True)
class IdempotencyKey:
    """The client's key and the fingerprint of the request that carries it."""

    value: str
    fingerprint: str


def idempotency_key(request, *, operation: str, body) -> IdempotencyKey | None:
    """The request's Idempotency-Key header with its fingerprint, None without one. `body`
    is what the request asks for (an uploaded file is fingerprinted by its bytes)."""
    value = request.headers.get("Idempotency-Key", "").strip()
    if len(value) > 255 or not value.isascii() or not value.isprintable():
        raise serializers.ValidationError(
            {"Idempotency-Key": ["At most 255 printable ASCII characters."]}
        )
    if not value:
        return None
    return IdempotencyKey(value, request_fingerprint(operation=operation, body=body))


def request_fingerprint(*, operation: str, body) -> str:
    """Which endpoint and which body: one key space per user across the keyed endpoints."""
    text = json.dumps(
        {"operation": operation, "body": _hashed_files(body)}, sort_keys=True, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _hashed_files(body):
    # A multipart body: an uploaded file counts by the hash of its bytes (the same key with
    # another picture is another request).
    if not hasattr(body, "lists"):
        return body
    return {
        name: [content_digest(value) if hasattr(value, "chunks") else value for value in values]
        for name, values in body.lists()
    }


def answer_once(*, user, key: IdempotencyKey | None, run: Callable[[], Answer]) -> Response:
    """Run the request once per (user, key) and give every request with that key its answer;
    one of the FINAL_ERRORS is an answer too, as the API answers it.

    Raises IdempotencyKeyReusedForOtherRequest (another body or endpoint) and
    IdempotencyKeyInUse (the first request is still running after IDEMPOTENCY_WAIT_SECONDS)."""
    answer = run() if key is None else _answered_once(user=user, key=key, run=run)
    response = Response(answer.body, status=answer.status)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _answered_once(*, user, key: IdempotencyKey, run: Callable[[], Answer]) -> Answer:
    claimed = _claim_or_wait(user=user, key=key.value, fingerprint=key.fingerprint)
    if isinstance(claimed, Answer):
        return claimed
    try:
        answer = run()
    except FINAL_ERRORS as error:
        # Every final error is registered (storycraft.errors); a missing one is a 500.
        answer = Answer(status_of(error) or 500, domain_error_body(error))
    except BaseException:
        _release(claimed)
        raise
    once_more_on_lost_connection(
        lambda: IdempotencyRecord.objects.filter(pk=claimed.pk).update(
            status_code=answer.status, body=answer.body
        )
    )
    return answer


def _claim_or_wait(*, user, key: str, fingerprint: str) -> IdempotencyRecord | Answer:
    deadline = time.monotonic() + settings.IDEMPOTENCY_WAIT_SECONDS
    while True:
        now = timezone.now()
        # A waiting retry sits idle between looks: a connection lost meanwhile is replaced.
        created, record = once_more_on_lost_connection(
            partial(_create_or_read, user=user, key=key, fingerprint=fingerprint, now=now)
        )
        if record is None:
            continue  # its first request failed without creating anything: try to claim it
        if created:
            return record
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReusedForOtherRequest()
        if record.status_code is not None:
            return Answer(record.status_code, record.body, replayed=True)
        if record.locked_until <= now and _take_over(record, now):
            return record
        if time.monotonic() >= deadline:
            raise IdempotencyKeyInUse(
                "A request with this Idempotency-Key is still running; retry shortly."
            )
        time.sleep(WAIT_STEP)


def _create_or_read(
    *, user, key: str, fingerprint: str, now
) -> tuple[bool, IdempotencyRecord | None]:
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                owner=user, key=key, fingerprint=fingerprint, locked_until=now + CLAIM
            )
        return True, record
    except IntegrityError:
        return False, IdempotencyRecord.objects.filter(owner=user, key=key).first()


def _take_over(record: IdempotencyRecord, now) -> bool:
    # The first request died unanswered. Whatever it created carries the key, and the
    # ordering services answer a retry from that, so running again cannot charge twice.
    taken = IdempotencyRecord.objects.filter(
        pk=record.pk, status_code__isnull=True, locked_until=record.locked_until
    ).update(locked_until=now + CLAIM)
    return bool(taken)


def _release(record: IdempotencyRecord) -> None:
    unanswered = IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True)
    try:
        unanswered.delete()
    except DatabaseError:
        if connection.in_atomic_block:
            return
        # The connection was lost (what failed was rolled back): one try on a new one. If
        # the database is gone, the claim lapses instead and a retry takes the key over.
        connection.close()
        with contextlib.suppress(DatabaseError):
            unanswered.delete()
