"""Small helpers for the back-office tests: staff people and jobs that need support."""

import uuid
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from videos.models import VideoJob
from wallet.services import HoldRequest, reserve_credits

PASSWORD = "correct horse 42"


def staff(name: str = "sam") -> User:
    return User.objects.create_superuser(email=f"{name}@storycraft.test", password=PASSWORD)


def unfinished_job(owner: User, *, cost: int = 80, minutes_ago: int = 30) -> VideoJob:
    """A job still waiting on the provider, its credits held, ordered `minutes_ago`."""
    job_id = uuid.uuid4()
    [hold] = reserve_credits(
        user=owner,
        holds=[HoldRequest(amount=cost, key=f"video:{job_id}", video_id=job_id)],
    )
    job = VideoJob.objects.create(
        id=job_id,
        owner=owner,
        prompt="A lighthouse at dawn",
        style="default",
        model="sora-2",
        seconds=4,
        size="1280x720",
        format="16:9",
        cost=cost,
        hold=hold,
        status="in_progress",
    )
    # created_at is auto_now_add: age the job afterwards.
    VideoJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    job.refresh_from_db()
    return job
