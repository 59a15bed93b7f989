"""The job state machine. Every transition locks the job row and is a no-op when it
no longer applies, so the poller, pulls, webhooks and admin actions may race safely."""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from catalog.models import CatalogSize
from videos.exceptions import NotCancellable
from videos.models import ChargeStatus, JobStatus, VideoJob
from videos.provider import get_provider
from videos.provider.base import ProviderError, ProviderNotFound, ProviderVideo
from wallet.services import release_hold, settle_hold

logger = logging.getLogger(__name__)

# A job the provider never acknowledged (the process died between reserve and create)
# is failed and refunded by the sweeper after this long.
UNSUBMITTED_GRACE = timedelta(minutes=5)

_PROVIDER_STATUSES = {"queued": JobStatus.QUEUED, "in_progress": JobStatus.IN_PROGRESS}


def _locked(job_id) -> VideoJob:
    return (
        VideoJob.objects.select_for_update(of=("self",)).select_related("endpoint").get(pk=job_id)
    )


# How long after the expected end the poller asks, so that it finds the job done.
DONE_MARGIN_SECONDS = 0.3
# A new job the provider gave no hint about is asked again this soon.
FIRST_LOOK_SECONDS = 1.0
# Never ask about one job more often than this.
MIN_POLL_SECONDS = 0.25
# How many times a job is asked while it renders when the provider gives no hint (or,
# with webhooks, an eagerer one): its owner sees the progress rise in steps of about
# 100 / PROGRESS_LOOKS %.
PROGRESS_LOOKS = 5
# How much the learnt render time follows the latest completion.
LEARNING_RATE = 0.3


def next_poll_time(
    *,
    age: timedelta,
    hint_seconds: float | None = None,
    webhooks: bool = False,
    remaining_seconds: float | None = None,
    first_look: bool = False,
    render_seconds: float | None = None,
):
    """When to ask the provider again about a job this old.

    Without a hint, young jobs are asked every POLL_INTERVAL_SECONDS and older ones less
    often (up to once a minute, or every three minutes when the job's endpoint sends
    webhooks, which announce the end: then never more often than the interval). While a
    job renders, its owner watches the progress rise: it is asked at the provider's pace
    (its `openai-poll-after-ms` hint), without one PROGRESS_LOOKS times over the render
    time learnt for videos like it (`render_seconds`); with webhooks, whichever of the two
    is slower, so an eager hint costs no more than that. Without webhooks, a job expected
    to finish sooner (`remaining_seconds`, see `expected_remaining`) is asked just after
    it should be done. A new job the provider said nothing about yet (`first_look`) is
    asked again within FIRST_LOOK_SECONDS, so that its owner sees it start and the pace
    is learnt. One request per job each time."""
    if first_look:
        return timezone.now() + timedelta(seconds=FIRST_LOOK_SECONDS)
    interval = settings.POLL_INTERVAL_SECONDS
    ceiling = max(interval, 180 if webhooks else 60)
    delay = min(interval * (1 + age.total_seconds() / 60), ceiling)
    if hint_seconds:
        delay = hint_seconds
    if webhooks:
        delay = max(delay, interval)
    rendering = render_seconds is None or age.total_seconds() < render_seconds
    if rendering and (hint_seconds or render_seconds):
        # While it renders, its owner watches the progress rise.
        delay = min(delay, max(hint_seconds or 0.0, (render_seconds or 0.0) / PROGRESS_LOOKS))
    if not webhooks and remaining_seconds is not None:
        delay = min(delay, max(remaining_seconds, 0.0) + DONE_MARGIN_SECONDS)
    return timezone.now() + timedelta(seconds=max(delay, MIN_POLL_SECONDS))


def _render_key(job: VideoJob) -> str:
    digest = hashlib.sha256(f"{job.upstream_model}|{job.seconds}|{job.size}".encode()).hexdigest()
    return f"videos:render-seconds:{job.endpoint_id}:{digest[:32]}"


def learnt_render_seconds(job: VideoJob, memo: dict | None = None) -> float | None:
    """How long the provider took to make videos like this one lately (None: not known yet).
    `memo` spares a sweep a cache lookup per job."""
    key = _render_key(job)
    if memo is not None and key in memo:
        return memo[key]
    value = cache.get(key)
    if memo is not None:
        memo[key] = value
    return value


def learn_render_seconds(job: VideoJob, video: ProviderVideo) -> None:
    """Remember how long the provider took for a completed job (its own timestamps)."""
    if not (video.created_at and video.completed_at):
        return
    # Whole seconds both: up to a second either way. Aim early: a poll before the end costs
    # one request (and the progress then tells the rest), one after it costs the user.
    took = (video.completed_at - video.created_at).total_seconds() - 1
    if took < 0:
        return
    key = _render_key(job)
    known = cache.get(key)
    cache.set(key, took if known is None else known + LEARNING_RATE * (took - known), None)


def expected_remaining(job: VideoJob, video: ProviderVideo, memo: dict | None = None):
    """Seconds until the provider should be done with a running job: the sooner of what
    the progress it reports says (progress p after t seconds: t * (100 - p) / p more) and
    how long videos like it took lately. None when there is nothing to go on. Asking a
    little early costs one request; asking late costs the user the wait."""
    elapsed = (timezone.now() - job.created_at).total_seconds()
    estimates = []
    progress = int(video.progress or 0)
    if 0 < progress < 100:
        estimates.append(elapsed * (100 - progress) / progress)
    learnt = learnt_render_seconds(job, memo)
    if learnt is not None and learnt > elapsed:  # past it, the learnt time says nothing
        estimates.append(learnt - elapsed)
    return min(estimates) if estimates else None


def retry_time(attempt: int):
    """Exponential backoff after `attempt` failures in a row, capped at ten minutes."""
    delay = min(settings.POLL_INTERVAL_SECONDS * (2 ** max(attempt - 1, 0)), 600)
    return timezone.now() + timedelta(seconds=delay)


def delete_at_provider(job: VideoJob) -> None:
    """Ask the provider to drop a job we no longer pay for. Best effort: a failure is
    logged and changes nothing here (the refund stands); gone already is fine. A protocol
    without a delete (OpenRouter) is not asked: the job runs out there, unpaid by the user."""
    if not job.provider_video_id:
        return
    try:
        provider = get_provider(job.endpoint)
        if not provider.supports_delete:
            logger.info(
                "video job %s (%s) stays at the provider: endpoint %s has no delete",
                job.id,
                job.provider_video_id,
                job.endpoint,
            )
            return
        provider.delete(job.provider_video_id)
    except ProviderNotFound:
        logger.info("video job %s was already gone at the provider", job.id)
    except ProviderError as error:
        # LiteLLM, for one, does not relay DELETE and answers 405.
        logger.warning(
            "could not delete video job %s (%s) at the provider: %s",
            job.id,
            job.provider_video_id,
            error,
        )
    except Exception:
        logger.exception("could not delete video job %s at the provider", job.id)
    else:
        logger.info("video job %s deleted at the provider", job.id)


def _delete_at_provider_after_commit(job: VideoJob) -> None:
    transaction.on_commit(lambda: delete_at_provider(job))


def fail_job(*, job_id, code: str, message: str, detail: str = "", staff=None) -> VideoJob:
    """Fail an unfinished job and give its credits back, once; the provider's copy is
    deleted once that is committed. `message` is for its owner; `detail`, the technical
    account, for support only."""
    with transaction.atomic():
        job = _locked(job_id)
        if not job.is_active:
            return job
        job.status = JobStatus.FAILED
        job.error_code = code
        job.error_message = message[:2000]
        job.error_detail = detail[:4000]
        job.next_poll_at = None
        job.download_lease_until = None
        release_hold(
            hold_id=job.hold_id, video_id=job.id, note=f"{code}: {message}"[:500], staff=staff
        )
        job.charge_status = ChargeStatus.REFUNDED
        job.save()
        _delete_at_provider_after_commit(job)
    logger.info("video job %s failed (%s) and was refunded", job_id, code)
    return job


CANCELLABLE_STATUSES = (JobStatus.QUEUED, JobStatus.IN_PROGRESS)


def cancel_job(*, job_id) -> VideoJob:
    """Cancel a job the provider has not finished: its credits come back once and the
    provider's job is deleted. Raises NotCancellable once it is downloading or over."""
    with transaction.atomic():
        job = _locked(job_id)
        if job.status not in CANCELLABLE_STATUSES:
            raise NotCancellable(
                f"The video is {job.status.replace('_', ' ')}; only a queued or in-progress "
                "video can be cancelled."
            )
        job.status = JobStatus.CANCELLED
        job.next_poll_at = None
        job.download_lease_until = None
        release_hold(hold_id=job.hold_id, video_id=job.id, note="cancelled by the user")
        job.charge_status = ChargeStatus.REFUNDED
        job.save()
        _delete_at_provider_after_commit(job)
    logger.info("video job %s cancelled and refunded", job_id)
    return job


def record_submission(*, job_id, video: ProviderVideo) -> VideoJob:
    """Remember the provider's id for a job it accepted, then apply what it said."""
    with transaction.atomic():
        job = _locked(job_id)
        if job.provider_video_id is None:
            job.provider_video_id = video.id
            job.save(update_fields=["provider_video_id", "updated_at"])
            if not job.is_active:
                # Cancelled or failed while the provider was taking it: nobody pays for it.
                _delete_at_provider_after_commit(job)
    job, _ = apply_provider_state(job_id=job_id, video=video)
    return job


def apply_provider_state(*, job_id, video: ProviderVideo) -> tuple[VideoJob, bool]:
    """Move a job to match the provider. Returns the job and whether it is now ready to
    download (the caller starts the download once this transaction has committed)."""
    with transaction.atomic():
        job = _locked(job_id)
        if job.status not in (JobStatus.QUEUED, JobStatus.IN_PROGRESS):
            return job, False
        job.last_polled_at = timezone.now()
        job.poll_count += 1
        job.poll_failures = 0
        if video.status == "completed":
            learn_render_seconds(job, video)
            record_provider_cost(job, video)
            job.status = JobStatus.DOWNLOADING
            job.progress = 100
            job.provider_expires_at = video.expires_at
            job.next_poll_at = timezone.now()
            job.save()
            return job, True
        if video.status == "failed":
            if video.cost_usd is not None:
                record_provider_cost(job, video)
            job.save()
            code = video.error_code or "generation_failed"
            message = video.error_message or "The provider could not generate this video."
        else:
            job.status = _PROVIDER_STATUSES.get(video.status, job.status)
            job.progress = max(job.progress, min(int(video.progress or 0), 99))
            job.next_poll_at = _next_poll_for(job, video)
            job.save()
            return job, False
    return fail_job(job_id=job_id, code=code, message=message), False


def record_provider_cost(job: VideoJob, video: ProviderVideo) -> None:
    """Keep on the job (unsaved) what the provider charged for it: its reported cost, or
    else the catalog's upstream price of the size times the seconds, marked estimated (or
    nothing, when the catalog has no upstream price). For the margin report; never shown
    to users."""
    if video.cost_usd is not None:
        job.provider_cost_usd, job.provider_cost_estimated = video.cost_usd, False
        return
    per_second = (
        CatalogSize.objects.filter(model__model_id=job.model, size=job.size)
        .values_list("upstream_usd_per_second", flat=True)
        .first()
    )
    if per_second is not None:
        job.provider_cost_usd, job.provider_cost_estimated = per_second * job.seconds, True


def _next_poll_for(job: VideoJob, video: ProviderVideo, memo: dict | None = None):
    memo = {} if memo is None else memo  # one cache lookup for both uses below
    remaining = expected_remaining(job, video, memo)
    return next_poll_time(
        age=timezone.now() - job.created_at,
        hint_seconds=video.poll_after_seconds,
        webhooks=bool(job.endpoint.webhook_secret()),
        remaining_seconds=remaining,
        render_seconds=learnt_render_seconds(job, memo),
        # The provider's first answer (usually to the create) says nothing of its pace,
        # and a learnt render time alone would leave the job at 0 % until its end.
        first_look=(video.poll_after_seconds is None and job.poll_count <= 1),
    )


def record_progress(
    *, answers: list[tuple[VideoJob, ProviderVideo]], memo: dict | None = None
) -> int:
    """What the poller learnt about jobs still running at the provider, in one conditional
    UPDATE for the whole group (row locks, no read first): each job's status, a progress
    that only rises, and its next poll. Jobs no longer queued or in progress are left
    alone. Returns how many rows changed. Each job needs created_at, endpoint,
    upstream_model, seconds and size, as claimed.

    One statement rather than one per job: at thousands of jobs in flight the sweep's
    time went to the round trips, not to the provider."""
    if not answers:
        return 0
    # Jobs with the same answer share one WHEN: few statuses and progress values, while
    # each job has its own next poll.
    by_status: dict[str, list] = {}
    by_progress: dict[int, list] = {}
    next_polls = []
    for job, video in answers:
        if video.status not in _PROVIDER_STATUSES:
            raise ValueError(f"not a running status: {video.status!r}")
        by_status.setdefault(_PROVIDER_STATUSES[video.status], []).append(job.pk)
        reported = min(max(int(video.progress or 0), 0), 99)
        by_progress.setdefault(reported, []).append(job.pk)
        next_polls.append(When(pk=job.pk, then=Value(_next_poll_for(job, video, memo))))
    statuses = [When(pk__in=pks, then=Value(status)) for status, pks in by_status.items()]
    progress = [
        When(pk__in=pks, then=Greatest(F("progress"), Value(reported)))
        for reported, pks in by_progress.items()
    ]
    now = timezone.now()
    return VideoJob.objects.filter(
        pk__in=[job.pk for job, _ in answers],
        status__in=[JobStatus.QUEUED, JobStatus.IN_PROGRESS],
    ).update(
        status=Case(*statuses, default=F("status")),
        progress=Case(*progress, default=F("progress")),
        next_poll_at=Case(*next_polls, default=F("next_poll_at"), output_field=DateTimeField()),
        last_polled_at=now,
        poll_count=F("poll_count") + 1,
        poll_failures=0,
        updated_at=now,
    )


def postpone_poll(*, job_id) -> None:
    """The provider could not be asked: back off further with every failure in a row."""
    with transaction.atomic():
        job = _locked(job_id)
        if job.status not in (JobStatus.QUEUED, JobStatus.IN_PROGRESS):
            return
        job.poll_failures += 1
        job.next_poll_at = retry_time(job.poll_failures)
        job.save(update_fields=["poll_failures", "next_poll_at", "updated_at"])


def complete_job(*, job_id, stored_name: str) -> VideoJob | None:
    """Mark a downloaded job completed and charge it, in one transaction.
    Returns None when the job was no longer waiting for this file."""
    with transaction.atomic():
        job = _locked(job_id)
        if job.status != JobStatus.DOWNLOADING:
            return None
        job.file.name = stored_name
        job.status = JobStatus.COMPLETED
        job.completed_at = timezone.now()
        job.next_poll_at = None
        job.download_lease_until = None
        # Only this job resolves its hold, under its row lock, so the hold is still pending.
        settle_hold(hold_id=job.hold_id, video_id=job.id)
        job.charge_status = ChargeStatus.SETTLED
        job.save()
    logger.info("video job %s completed and settled", job_id)
    return job


def timed_out(job: VideoJob) -> bool:
    return job.created_at < timezone.now() - timedelta(minutes=settings.JOB_TIMEOUT_MINUTES)
