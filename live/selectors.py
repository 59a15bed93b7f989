"""What a user's event stream sends: their job events, as frames of the job's current state."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from live.models import JobEvent
from videos.selectors import jobs_of
from videos.serializers import VideoJobSerializer


def latest_event_id(*, user) -> int:
    return JobEvent.objects.filter(owner_id=user.pk).aggregate(last=Max("id"))["last"] or 0


def job_frames(
    *, user, request, after: int, notified: Iterable[int] = (), replay: bool = False
) -> list[tuple[int, bytes]]:
    """`(event id, job JSON)` for the user's events after `after` (and the `notified` ones,
    which may have committed after a higher id), oldest first.

    Each frame carries the job as it is now, so of several events of one job only the
    latest is sent. A replay is bounded: the last LIVE_REPLAY_EVENTS events of the last
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
    context = {"request": request}
    frames = [
        (latest[job.id], JSONRenderer().render(VideoJobSerializer(job, context=context).data))
        for job in jobs
    ]
    return sorted(frames, key=lambda frame: frame[0])
