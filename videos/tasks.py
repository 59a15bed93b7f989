"""django-q2 entry points. Each takes ids, re-reads the row and is safe to run twice."""

from django.conf import settings

from videos.services import download, erasure, polling


def sweep_videos() -> int:
    """Run by the once-a-minute schedule: sweeps as jobs come due for 55 s, unless a
    dedicated poller process does (SWEEP_IN_WORKER=false)."""
    if not settings.SWEEP_IN_WORKER:
        return 0
    return polling.run_sweeper()


def download_video(job_id: str) -> str:
    return download.download_job(job_id=job_id).status


def refresh_video(job_id: str) -> str:
    return polling.refresh_job(job_id=job_id).status


def erase_videos_of(owner_id: str) -> int:
    return erasure.erase_videos_of(owner_id=owner_id)
