"""POST /videos/{id}/pull: ask the provider now, but not for every click."""

from django.conf import settings
from django.core.cache import cache

from videos.models import VideoJob
from videos.services.polling import refresh_job


def pull_job(*, job_id) -> VideoJob:
    """Ask the provider about the job (and download it if ready), unless a pull already did
    in the last PULL_MIN_INTERVAL_SECONDS: then the stored job. The mark lives in the shared
    cache, so a burst spread over every web process still makes one provider call."""
    interval = settings.PULL_MIN_INTERVAL_SECONDS
    if interval and not cache.add(f"videos:pull:{job_id}", 1, timeout=interval):
        return VideoJob.objects.get(pk=job_id)
    return refresh_job(job_id=job_id, download_now=True)
