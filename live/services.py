"""Stream tickets (issue, redeem once), the open streams of each user, and pruning of old
events."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from live.models import JobEvent, OpenStream, StreamTicket

# Longer input is not a ticket we issued; refuse it without hashing megabytes.
_MAX_TICKET_LENGTH = 128


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def issue_stream_ticket(*, user: User) -> tuple[str, datetime]:
    """A new single-use ticket for `user` and when it expires; only its hash is stored."""
    ticket = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(seconds=settings.LIVE_TICKET_SECONDS)
    StreamTicket.objects.create(digest=_digest(ticket), user=user, expires_at=expires_at)
    return ticket, expires_at


def redeem_stream_ticket(*, ticket: str) -> User | None:
    """The ticket's user, once: the row is deleted, and only the one delete that removed
    it counts, so two requests racing with one ticket never both get a stream."""
    if not ticket or len(ticket) > _MAX_TICKET_LENGTH:
        return None
    digest = _digest(ticket)
    found = StreamTicket.objects.filter(digest=digest).select_related("user").first()
    if found is None:
        return None
    deleted, _ = StreamTicket.objects.filter(digest=digest).delete()
    if deleted != 1 or found.expires_at <= timezone.now() or not found.user.is_active:
        return None
    return found.user


def open_stream(*, user: User) -> int:
    """Count a new stream of `user`, pushing out their oldest beyond
    LIVE_MAX_STREAMS_PER_USER (those end at their next check); the new stream's id."""
    stream = OpenStream.objects.create(user=user)
    kept = settings.LIVE_MAX_STREAMS_PER_USER
    oldest = OpenStream.objects.filter(user=user).order_by("-id").values_list("id", flat=True)
    pushed_out = list(oldest[kept:])
    if pushed_out:
        OpenStream.objects.filter(id__in=pushed_out).delete()
    return stream.id


def streams_going_on(*, stream_ids: list[int]) -> set[int]:
    """Those of the streams still counted whose user may still use the API (not
    deactivated, deleted or logged out everywhere)."""
    going_on = OpenStream.objects.filter(id__in=stream_ids, user__is_active=True)
    return set(going_on.values_list("id", flat=True))


def close_stream(*, stream_id: int) -> None:
    OpenStream.objects.filter(id=stream_id).delete()


def end_streams_of(*, user) -> int:
    """The user's streams end at their next check (they logged out everywhere)."""
    deleted, _ = OpenStream.objects.filter(user=user).delete()
    return deleted


def prune_live_tables(*, now: datetime | None = None) -> tuple[int, int]:
    """Forget events older than the replay window and expired tickets: (events, tickets)."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.LIVE_REPLAY_HOURS)
    events, _ = JobEvent.objects.filter(created_at__lt=cutoff).delete()
    tickets, _ = StreamTicket.objects.filter(expires_at__lt=now).delete()
    return events, tickets
