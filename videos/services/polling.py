"""Asking the provider about jobs: one job (pull, webhook) or every due job (the sweeper)."""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from videos.models import JobStatus, VideoJob
from videos.provider import get_provider
from videos.provider.base import ProviderError, ProviderNotFound
from videos.services import lifecycle
from videos.services.download import download_job

logger = logging.getLogger(__name__)

# How many provider requests one sweeper has in flight, and how many jobs it takes a sweep.
PROVIDER_CONCURRENCY = 4
SWEEP_BATCH = 200
# A claimed job is not due again for this long, so an overlapping sweeper skips it.
CLAIM_LEASE = timedelta(seconds=60)


def enqueue_download(job_id) -> None:
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task("videos.tasks.download_video", str(job_id), group="video-downloads")
    )


def refresh_job(*, job_id, download_now: bool = False) -> VideoJob:
    """Ask the provider about one job and act on the answer. Idempotent."""
    job = VideoJob.objects.select_related("endpoint").get(pk=job_id)
    if job.status == JobStatus.DOWNLOADING:
        return _download(job.id, now=download_now)
    if not job.is_active:
        return job
    if lifecycle.timed_out(job):
        return lifecycle.fail_job(
            job_id=job.id,
            code="timeout",
            message=f"Not finished within {settings.JOB_TIMEOUT_MINUTES} minutes.",
        )
    if not job.provider_video_id:
        if job.created_at < timezone.now() - lifecycle.UNSUBMITTED_GRACE:
            return lifecycle.fail_job(
                job_id=job.id, code="submission_failed", message="The provider never got this job."
            )
        return job
    try:
        video = get_provider(job.endpoint).retrieve(job.provider_video_id)
    except ProviderNotFound:
        return lifecycle.fail_job(
            job_id=job.id, code="not_found", message="The provider no longer knows this job."
        )
    except ProviderError as error:
        logger.warning("polling video job %s failed: %r", job.id, error)
        lifecycle.postpone_poll(job_id=job.id)
        return VideoJob.objects.get(pk=job.id)
    job, ready = lifecycle.apply_provider_state(job_id=job.id, video=video)
    if ready:
        return _download(job.id, now=download_now)
    return job


def _download(job_id, *, now: bool) -> VideoJob:
    if now:
        return download_job(job_id=job_id)
    enqueue_download(job_id)
    return VideoJob.objects.get(pk=job_id)


@dataclass
class SweepResult:
    polled: int = 0
    downloads: int = 0


def claim_due_jobs(*, limit: int = SWEEP_BATCH) -> list[tuple]:
    """Take due jobs for this sweeper; SKIP LOCKED and the lease keep others off them."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            VideoJob.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=[JobStatus.QUEUED, JobStatus.IN_PROGRESS, JobStatus.DOWNLOADING],
                next_poll_at__lte=now,
            )
            .order_by("next_poll_at")
            .values_list("id", "status")[:limit]
        )
        VideoJob.objects.filter(pk__in=[job_id for job_id, _ in due]).update(
            next_poll_at=now + CLAIM_LEASE
        )
    return due


def sweep(*, download_now: bool = False, deadline: float | None = None) -> SweepResult:
    """One pass over every due job: poll with bounded concurrency, start due downloads
    (in the worker queue, or right here with download_now). Jobs not reached before
    `deadline` (time.monotonic()) are handed back, due at once, for the next sweep."""
    due = claim_due_jobs()
    result = SweepResult(
        polled=sum(status != JobStatus.DOWNLOADING for _, status in due),
        downloads=sum(status == JobStatus.DOWNLOADING for _, status in due),
    )
    left_over = []

    def refresh(job_id, in_thread: bool):
        if deadline is not None and time.monotonic() > deadline:
            left_over.append(job_id)
            return
        if in_thread:
            _refresh_in_thread(job_id, download_now)
        else:
            _refresh_quietly(job_id, download_now)

    job_ids = [job_id for job_id, _ in due]
    if connection.vendor == "sqlite" or len(job_ids) <= 1:
        for job_id in job_ids:
            refresh(job_id, in_thread=False)
    else:
        with ThreadPoolExecutor(max_workers=PROVIDER_CONCURRENCY) as pool:
            list(pool.map(lambda job_id: refresh(job_id, in_thread=True), job_ids))
    if left_over:
        VideoJob.objects.filter(pk__in=left_over).update(next_poll_at=timezone.now())
    return result


def _refresh_quietly(job_id, download_now: bool) -> None:
    try:
        refresh_job(job_id=job_id, download_now=download_now)
    except Exception:
        logger.exception("refreshing video job %s crashed", job_id)


def _refresh_in_thread(job_id, download_now: bool) -> None:
    close_old_connections()
    try:
        _refresh_quietly(job_id, download_now)
    finally:
        connection.close()


def run_sweeper(*, seconds: float = 55.0) -> int:
    """Sweep every POLL_INTERVAL_SECONDS for about a minute (django-q2 schedules run at
    most once a minute). Returns the number of sweeps."""
    deadline = time.monotonic() + seconds
    sweeps = 0
    while True:
        sweep(deadline=deadline)
        sweeps += 1
        wait = settings.POLL_INTERVAL_SECONDS
        if time.monotonic() + wait >= deadline:
            return sweeps
        time.sleep(wait)
