"""The poller's django-q2 schedule, kept in the database by every `migrate` (never by hand)."""

SWEEPER_NAME = "video sweeper"
SWEEPER_FUNC = "videos.tasks.sweep_videos"


def ensure_sweeper_schedule(**kwargs) -> None:
    """post_migrate receiver: create or repair the once-a-minute sweeper schedule."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=SWEEPER_NAME,
        defaults={
            "func": SWEEPER_FUNC,
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
