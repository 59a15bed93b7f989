"""Small helpers for the back-office tests: staff people and jobs that need support."""

from datetime import timedelta

from django.contrib.auth.models import Permission
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


def support_agent(name: str, *permissions: str) -> User:
    """A staff member who is not a superuser, with just these `app.codename` permissions."""
    agent = User.objects.create_user(
        email=f"{name}@storycraft.test", password=PASSWORD, is_staff=True
    )
    for permission in permissions:
        app_label, codename = permission.split(".")
        agent.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return agent
