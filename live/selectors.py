"""What a user's event stream sends: their job events, each with the job's current state."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from live.models import JobEvent
from videos.models import VideoJob
from videos.selectors import jobs_of


def latest_event_id(*, user) -> int:
    return JobEvent.objects.filter(owner_id=user.pk).aggregate(last=Max("id"))["last"] or 0


def changed_jobs(
    *, user, after: int, notified: Iterable[int] = (), replay: bool = False
) -> list[tuple[int, VideoJob]]:
    """`(event id, job)` for the user's events after `after` (and the `notified` ones,
    which may have committed after a higher id), oldest first.

    Each carries the job as it is now, so of several events of one job only the latest
    is kept. A replay is bounded: the last LIVE_REPLAY_EVENTS events of the last
    LIVE_REPLAY_HOURS.
    """
    events = JobEvent.objects.filter(owner_id=user.pk).filter(
        Q(id__gt=after) | Q(id__in=list(notified))
    )
    if replay:
        since = timezone.now() - timedelta(hours=settings.LIVE_REPLAY_HOURS)
        events = events.filter(created_at__gte=since)
    newest_first = events.order_by("-id").values_list("id", "job_id")[: settings.LIVE_REPLAY_EVENTS]
    latest: dict = {}
    for event_id, job_id in newest_first:
        latest.setdefault(job_id, event_id)
    if not latest:
        return []
    jobs = jobs_of(user).filter(id__in=latest.keys()).select_related("batch")
    return sorted(((latest[job.id], job) for job in jobs), key=lambda change: change[0])
