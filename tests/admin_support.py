"""Small helpers for the back-office tests: staff people and jobs that need support."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from videos.models import VideoJob
from videos.tests.helpers import held_jobs

PASSWORD = "correct horse 42"


def staff(name: str = "sam") -> User:
    return User.objects.create_superuser(email=f"{name}@storycraft.test", password=PASSWORD)


def unfinished_job(owner: User, *, cost: int = 80, minutes_ago: int = 30) -> VideoJob:
    """A job still waiting on the provider, its credits held, ordered `minutes_ago`."""
    [job] = held_jobs(owner, cost=cost, status="in_progress")
    # created_at is auto_now_add: age the job afterwards.
    VideoJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    job.refresh_from_db()
    return job
