"""The poller's django-q2 schedule, kept in the database by every `migrate` (never by hand)."""

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule

SWEEPER_NAME = "video sweeper"
SWEEPER_FUNC = "videos.tasks.sweep_videos"
# The scheduler moves the sweeper's next run forward every minute while a worker is up.
WORKER_STALE_AFTER = timedelta(minutes=3)


def ensure_sweeper_schedule(**kwargs) -> None:
    """post_migrate receiver: create or repair the once-a-minute sweeper schedule."""
    Schedule.objects.update_or_create(
        name=SWEEPER_NAME,
        defaults={
            "func": SWEEPER_FUNC,
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )


def worker_is_running() -> bool:
    """/readyz's "worker" check: a worker has moved the sweeper's next run on lately."""
    next_run = Schedule.objects.filter(name=SWEEPER_NAME).values_list("next_run", flat=True).first()
    return next_run is not None and next_run >= timezone.now() - WORKER_STALE_AFTER
