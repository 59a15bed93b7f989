"""A provider endpoint's requests-per-minute allowance, shared by every poller process.

One counter row per endpoint and minute, raised with an atomic upsert: one query for a
whole batch of requests, whichever process or thread asks.
"""

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from catalog.models import ProviderEndpoint, RequestWindow

WINDOW = timedelta(minutes=1)
# Counter rows older than this are deleted now and then.
KEEP = timedelta(hours=1)


def window_start(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def take_requests(endpoint: ProviderEndpoint, wanted: int, *, now: datetime | None = None) -> int:
    """Take up to `wanted` requests from this minute's allowance; returns how many may be
    sent now (all of them when the endpoint has no limit)."""
    limit = endpoint.requests_per_minute
    if not limit or wanted <= 0:
        return max(wanted, 0)
    start = window_start(now or timezone.now())
    table = connection.ops.quote_name(RequestWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (endpoint_id, window_start, used) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (endpoint_id, window_start) "
            f"DO UPDATE SET used = {table}.used + EXCLUDED.used RETURNING used",
            [endpoint.pk, connection.ops.adapt_datetimefield_value(start), wanted],
        )
        used = cursor.fetchone()[0]
    granted = max(0, min(wanted, limit - (used - wanted)))
    if start.minute == 0 and used == wanted:  # the first batch of an hour tidies up
        RequestWindow.objects.filter(endpoint=endpoint, window_start__lt=start - KEEP).delete()
    return granted


def next_window(now: datetime | None = None) -> datetime:
    """When the next minute's allowance opens."""
    return window_start(now or timezone.now()) + WINDOW
