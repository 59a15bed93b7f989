"""Asking the provider about jobs: one job (pull, webhook) or every due job (the sweeper).

A sweep claims a batch of due jobs in two queries, asks the provider about them from a
pool of POLL_CONCURRENCY threads (HTTP only: the shared, kept-alive provider clients),
within each endpoint's requests-per-minute allowance, and records the answers from the
calling thread on its one database connection: one conditional UPDATE per group of
running jobs. Finished, failed and odd jobs take the locked single-job path.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django_q.tasks import async_task

from catalog.ratelimit import next_window, take_requests
from videos.models import JobStatus, VideoJob
from videos.provider import get_provider
from videos.provider import http as provider_http
from videos.provider.base import ProviderError, ProviderNotFound, ProviderVideo
from videos.services import lifecycle
from videos.services.download import download_job

logger = logging.getLogger(__name__)

# A claimed job is not due again for this long, so an overlapping sweeper skips it.
CLAIM_LEASE = timedelta(seconds=60)
# Running jobs' answers are committed in groups of this many.
COMMIT_EVERY = 100
# An idle sweeper looks for newly due jobs at least this often.
IDLE_CHECK_SECONDS = 1.0
MIN_WAIT_SECONDS = 0.05

_ACTIVE = [JobStatus.QUEUED, JobStatus.IN_PROGRESS, JobStatus.DOWNLOADING]
_SKIPPED = object()


def enqueue_download(job_id) -> None:
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
    if _needs_no_request(job):
        return _settle_without_asking(job)
    try:
        # Set once submitted, and _needs_no_request answered for a job never submitted.
        video = get_provider(job.endpoint).retrieve(cast(str, job.provider_video_id))
    except ProviderError as error:
        return _provider_failed(job, error)
    return _apply_answer(job, video, download_now=download_now)


def _needs_no_request(job: VideoJob) -> bool:
    return lifecycle.timed_out(job) or not job.provider_video_id


def _settle_without_asking(job: VideoJob) -> VideoJob:
    """A job too old to wait for, or one the provider never acknowledged."""
    if lifecycle.timed_out(job):
        return lifecycle.fail_job(
            job_id=job.id,
            code="timeout",
            message=f"Not finished within {settings.JOB_TIMEOUT_MINUTES} minutes.",
        )
    if job.created_at < timezone.now() - lifecycle.UNSUBMITTED_GRACE:
        return lifecycle.fail_job(
            job_id=job.id, code="submission_failed", message="The provider never got this job."
        )
    return job


def _provider_failed(job: VideoJob, error: ProviderError) -> VideoJob:
    if isinstance(error, ProviderNotFound):
        return lifecycle.fail_job(
            job_id=job.id, code="not_found", message="The provider no longer knows this job."
        )
    logger.warning("polling video job %s failed: %r", job.id, error)
    lifecycle.postpone_poll(job_id=job.id)
    return VideoJob.objects.get(pk=job.id)


def _apply_answer(job: VideoJob, video: ProviderVideo, *, download_now: bool) -> VideoJob:
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
    polled: int = 0  # provider requests sent
    downloads: int = 0  # downloads started (queued, or run with download_now)
    claimed: int = 0  # due jobs this sweep took
    handed_back: int = 0  # claimed but left for later: past the deadline or the rate limit


def claim_due_jobs(*, limit: int | None = None) -> list[VideoJob]:
    """Take due jobs for this sweeper; SKIP LOCKED and the lease keep others off them.
    Two queries, whatever the batch size; the jobs come with their endpoint."""
    limit = limit or settings.POLL_SWEEP_BATCH
    now = timezone.now()
    with transaction.atomic():
        due = list(
            VideoJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .defer("prompt", "error_message", "request_fingerprint")
            .filter(status__in=_ACTIVE, next_poll_at__lte=now)
            .order_by("next_poll_at")[:limit]
        )
        VideoJob.objects.filter(pk__in=[job.pk for job in due]).update(
            next_poll_at=now + CLAIM_LEASE
        )
    return due


def sweep(
    *, download_now: bool = False, deadline: float | None = None, limit: int | None = None
) -> SweepResult:
    """One pass over a batch of due jobs: poll with bounded concurrency, start due
    downloads (in the worker queue, or right here with download_now). Jobs not asked
    before `deadline` (time.monotonic()) are handed back, due at once, for the next
    sweep; jobs over their endpoint's rate limit, for the next minute."""
    due = claim_due_jobs(limit=limit)
    result = SweepResult(claimed=len(due))
    if deadline is not None and time.monotonic() > deadline:
        _hand_back([job.pk for job in due], timezone.now())
        result.handed_back = len(due)
        return result

    asking: list[VideoJob] = []
    for job in due:
        if job.status == JobStatus.DOWNLOADING:
            result.downloads += 1
            _quietly(lambda job=job: _download(job.pk, now=download_now), job.pk)
        elif _needs_no_request(job):
            _quietly(lambda job=job: _settle_without_asking(job), job.pk)
        else:
            asking.append(job)

    asking = _within_rate_limits(asking, result)
    left_over = _ask_and_record(asking, result, download_now=download_now, deadline=deadline)
    if left_over:
        _hand_back(left_over, timezone.now())
        result.handed_back += len(left_over)
    return result


def _within_rate_limits(jobs: list[VideoJob], result: SweepResult) -> list[VideoJob]:
    by_endpoint: dict[int, list[VideoJob]] = {}
    for job in jobs:
        by_endpoint.setdefault(job.endpoint_id, []).append(job)
    allowed = []
    for group in by_endpoint.values():
        granted = take_requests(group[0].endpoint, len(group))
        allowed += group[:granted]
        if refused := group[granted:]:
            _hand_back([job.pk for job in refused], next_window())
            result.handed_back += len(refused)
    return allowed


def _hand_back(job_ids: list, when) -> None:
    VideoJob.objects.filter(pk__in=job_ids, status__in=_ACTIVE).update(next_poll_at=when)


def _ask(job: VideoJob, deadline: float | None):
    """In a pool thread: the provider's answer (or error) about one job. No database."""
    if (deadline is not None and time.monotonic() > deadline) or provider_http.stopping.is_set():
        return _SKIPPED
    try:
        return get_provider(job.endpoint).retrieve(cast(str, job.provider_video_id))  # polled: set
    except ProviderError as error:
        # Cut short by a stop: handed back to the next sweep, not a failure of the job.
        return _SKIPPED if provider_http.stopping.is_set() else error


def _ask_and_record(
    jobs: list[VideoJob], result: SweepResult, *, download_now: bool, deadline: float | None
) -> list:
    """Ask about every job concurrently; record each answer here, as it arrives."""
    if not jobs:
        return []
    left_over = []
    running: list[tuple[VideoJob, ProviderVideo]] = []
    memo: dict = {}  # learnt render times, one cache lookup per kind of job

    def record_running():
        lifecycle.record_progress(answers=running, memo=memo)
        running.clear()

    workers = min(settings.POLL_CONCURRENCY, len(jobs))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll") as pool:
        futures = {pool.submit(_ask, job, deadline): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            answer = future.result()
            if answer is _SKIPPED:
                left_over.append(job.pk)
                continue
            result.polled += 1
            if isinstance(answer, ProviderVideo) and not answer.is_finished:
                running.append((job, answer))
                if len(running) >= COMMIT_EVERY:
                    _quietly(record_running, "a group of running jobs")
            elif isinstance(answer, ProviderError):
                _quietly(lambda job=job, answer=answer: _provider_failed(job, answer), job.pk)
            else:
                if answer.status == "completed":
                    result.downloads += 1
                _quietly(
                    lambda job=job, answer=answer: _apply_answer(
                        job, answer, download_now=download_now
                    ),
                    job.pk,
                )
    if running:
        _quietly(record_running, "a group of running jobs")
    return left_over


def _quietly(work, what) -> None:
    try:
        work()
    except Exception:
        logger.exception("refreshing video job %s crashed", what)


def seconds_until_due() -> float | None:
    """Seconds until the next job is due (<= 0: one is due now); None when none is active."""
    first = VideoJob.objects.filter(status__in=_ACTIVE).aggregate(first=Min("next_poll_at"))
    if first["first"] is None:
        return None
    return (first["first"] - timezone.now()).total_seconds()


def run_sweeper(*, seconds: float | None = 55.0, stop=None, download_now: bool = False) -> int:
    """Sweep until `seconds` have passed (None: until `stop()` is true, or forever):
    again at once while due jobs remain, else as soon as the next one is due (looking at
    least every IDLE_CHECK_SECONDS for new ones). Returns the number of sweeps.

    The once-a-minute django-q2 schedule runs it for 55 s; `manage.py poll_videos
    --forever` runs it in a process of its own."""
    deadline = None if seconds is None else time.monotonic() + seconds
    sweeps = 0
    while True:
        try:
            result = sweep(deadline=deadline, download_now=download_now)
            due_in = seconds_until_due()
        except Exception:
            # The database went away, say: a long-running poller must outlive it.
            logger.exception("a sweep failed; trying again in %s s", IDLE_CHECK_SECONDS)
            if not connection.in_atomic_block:
                connection.close()  # the next query connects again
            result, due_in = SweepResult(), None
        sweeps += 1
        if stop is not None and stop():
            return sweeps
        if due_in is None:
            wait = IDLE_CHECK_SECONDS
        elif due_in <= 0 and result.claimed:
            wait = 0.0  # due jobs remain: at once
        else:
            # (due but not claimable: locked by a transaction or another sweeper)
            wait = min(max(due_in, MIN_WAIT_SECONDS), IDLE_CHECK_SECONDS)
        if deadline is not None and time.monotonic() + wait >= deadline:
            return sweeps
        if wait > 0:
            time.sleep(wait)
