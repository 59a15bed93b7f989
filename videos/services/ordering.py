"""Ordering videos: validate money, reserve credits and create jobs together, then submit."""

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.styles import provider_prompt
from storycraft.connections import once_more_on_lost_connection
from videos.exceptions import (
    IdempotencyKeyReusedForOtherRequest,
    OrderFailedUpstream,
    OrderNotAffordable,
    OrderRefused,
    TooManyJobs,
)
from videos.models import ACTIVE_STATUSES, Batch, JobStatus, VideoJob
from videos.pricing import VideoSpec
from videos.provider import get_provider
from videos.provider.base import ProviderError, ProviderNotFound, ProviderVideo
from videos.provider.failures import UNAVAILABLE, public_failure, technical_detail
from videos.services import lifecycle, pictures
from videos.services.pictures import StartPicture
from wallet.exceptions import InsufficientCredits
from wallet.services import HoldRequest, lock_wallet, reserve_credits

if TYPE_CHECKING:  # the API edge makes the key; services only keep and compare it
    from videos.idempotency import IdempotencyKey

logger = logging.getLogger(__name__)


def _check_replay(existing, idempotency: "IdempotencyKey"):
    if existing.request_fingerprint != idempotency.fingerprint:
        raise IdempotencyKeyReusedForOtherRequest()
    return existing


def _insufficient(error: InsufficientCredits) -> OrderNotAffordable:
    return OrderNotAffordable(
        f"This order costs {error.needed} credits; {error.available} are available."
    )


def _check_jobs_in_flight(user, adding: int) -> None:
    """At most MAX_JOBS_IN_FLIGHT unfinished jobs per user: each costs the operator at the
    provider until it ends, whatever a cancel refunds. Called in the order's transaction
    before its hold: the wallet row stays locked until commit, so concurrent orders of one
    user count one after the other and none moves credits when refused."""
    lock_wallet(user=user)
    unfinished = VideoJob.objects.filter(owner=user, status__in=ACTIVE_STATUSES).count()
    limit = settings.MAX_JOBS_IN_FLIGHT
    if unfinished + adding > limit:
        asked = "this video" if adding == 1 else f"these {adding} videos"
        raise TooManyJobs(
            f"At most {limit} videos may be unfinished at once; {unfinished} are, so "
            f"{asked} would be too many. Order again when some have finished, or cancel some."
        )


def _video_hold(job_id, spec: VideoSpec, *, batch_id=None) -> HoldRequest:
    """The hold for one video's credits, named by its video: only its lifecycle ends it."""
    return HoldRequest(
        amount=spec.cost,
        key=f"video:{job_id}",
        note=f"{spec.model} {spec.seconds}s {spec.size}, {spec.style}"
        + (" (batch)" if batch_id else ""),
        video_id=job_id,
        batch_id=batch_id,
    )


def _new_job(
    *,
    job_id,
    user,
    spec: VideoSpec,
    hold,
    batch=None,
    idempotency: "IdempotencyKey | None" = None,
    remixed_from=None,
    input_image="",
    picture: StartPicture | None = None,
):
    return VideoJob(
        id=job_id,
        owner=user,
        batch=batch,
        remixed_from=remixed_from,
        input_image=input_image,
        image_from_video=picture.from_video if picture else None,
        prompt=spec.prompt,
        style=spec.style,
        model=spec.model,
        seconds=spec.seconds,
        size=spec.size,
        format=spec.format,
        cost=spec.cost,
        endpoint_id=spec.endpoint_id,
        upstream_model=spec.upstream_model,
        hold=hold,
        idempotency_key=idempotency.value if idempotency else None,
        request_fingerprint=idempotency.fingerprint if idempotency else "",
        # Due for the sweeper in case this process dies before the provider has the job.
        next_poll_at=timezone.now() + lifecycle.UNSUBMITTED_GRACE,
    )


def order_video(
    *,
    user,
    spec: VideoSpec,
    idempotency: "IdempotencyKey | None" = None,
    remixed_from: VideoJob | None = None,
    picture: StartPicture | None = None,
) -> VideoJob:
    """Reserve the credits, create the job and hand it to the provider (as a remix of
    `remixed_from` when given; starting on `picture` when given, which is fitted to the
    order's size and stored beside the job first).

    With `idempotency`, the job keeps the request's key and fingerprint: a retry after the
    request died finds it (and sends it if it was never sent), another request with the key
    is refused. Raises OrderNotAffordable (nothing created),
    IdempotencyKeyReusedForOtherRequest, and OrderRefused / OrderFailedUpstream
    (job failed, credits released)."""
    if idempotency:
        existing = VideoJob.objects.filter(owner=user, idempotency_key=idempotency.value).first()
        if existing:
            _check_replay(existing, idempotency)
            if existing.status == JobStatus.QUEUED and not existing.provider_video_id:
                # The first request stored the job and died (a lost database connection, a
                # killed process) before the provider had it; this one holds the key now.
                return submit_job(job_id=existing.id, raise_errors=True)
            return _replay_job(existing)
    job_id = uuid.uuid4()
    [input_image] = _store_pictures(user, [job_id], spec.size, picture)
    try:
        with transaction.atomic():
            _check_jobs_in_flight(user, 1)
            [hold] = reserve_credits(user=user, holds=[_video_hold(job_id, spec)])
            job = _new_job(
                job_id=job_id,
                user=user,
                spec=spec,
                hold=hold,
                idempotency=idempotency,
                remixed_from=remixed_from,
                input_image=input_image,
                picture=picture,
            )
            job.save(force_insert=True)
    except (InsufficientCredits, TooManyJobs, IntegrityError) as error:
        _forget_pictures([input_image])
        # The same key may have raced in from a parallel request that won the wallet lock
        # first (and perhaps spent the credits or the room): then this is a retry, answered
        # the same.
        existing = (
            VideoJob.objects.filter(owner=user, idempotency_key=idempotency.value).first()
            if idempotency
            else None
        )
        if existing and idempotency:
            return _replay_job(_check_replay(existing, idempotency))
        if isinstance(error, InsufficientCredits):
            raise _insufficient(error) from None
        raise
    return submit_job(job_id=job.id, raise_errors=True)


def _replay_job(job: VideoJob) -> VideoJob:
    # The first answer was an error when the provider refused the job at creation.
    if job.status == JobStatus.FAILED and not job.provider_video_id:
        _raise_submission_error(job)
    return job


def _raise_submission_error(job: VideoJob):
    if job.error_code == UNAVAILABLE:
        raise OrderFailedUpstream(job.error_message)
    raise OrderRefused(job.error_message)


def _store_pictures(user, job_ids, size: str, picture: StartPicture | None) -> list[str]:
    """Each job's copy of the picture, fitted once; "" for each when there is none."""
    if picture is None:
        return ["" for _ in job_ids]
    png = pictures.fitted_png(picture, size)
    return [pictures.store_input(owner_id=user.pk, job_id=job_id, png=png) for job_id in job_ids]


def _forget_pictures(names: list[str]) -> None:
    for name in names:
        if name:
            pictures.forget_input(name)


def order_batch(
    *,
    user,
    specs: list[VideoSpec],
    idempotency: "IdempotencyKey | None" = None,
    picture: StartPicture | None = None,
) -> tuple[Batch, list[VideoJob]]:
    """Order one prompt in several styles (all starting on `picture` when given): every
    hold is reserved at once, or none."""
    first = specs[0]
    if idempotency:
        existing = Batch.objects.filter(owner=user, idempotency_key=idempotency.value).first()
        if existing:
            batch = _check_replay(existing, idempotency)
            jobs = list(batch.jobs.order_by("created_at", "id"))
            # As for one job: what a request that died left unsubmitted goes out now.
            if unsubmitted := [
                job.id
                for job in jobs
                if job.status == JobStatus.QUEUED and not job.provider_video_id
            ]:
                by_id = {job.id: job for job in _submit_together(unsubmitted)}
                jobs = [by_id.get(job.id, job) for job in jobs]
            return batch, jobs
    batch_id = uuid.uuid4()
    job_ids = [uuid.uuid4() for _ in specs]
    input_images = _store_pictures(user, job_ids, first.size, picture)
    try:
        with transaction.atomic():
            _check_jobs_in_flight(user, len(specs))
            batch = Batch.objects.create(
                id=batch_id,
                owner=user,
                prompt=first.prompt,
                model=first.model,
                seconds=first.seconds,
                size=first.size,
                format=first.format,
                idempotency_key=idempotency.value if idempotency else None,
                request_fingerprint=idempotency.fingerprint if idempotency else "",
            )
            holds = reserve_credits(
                user=user,
                holds=[
                    _video_hold(job_id, spec, batch_id=batch_id)
                    for job_id, spec in zip(job_ids, specs, strict=True)
                ],
            )
            VideoJob.objects.bulk_create(
                _new_job(
                    job_id=job_id,
                    user=user,
                    spec=spec,
                    hold=hold,
                    batch=batch,
                    input_image=input_image,
                    picture=picture,
                )
                for job_id, spec, hold, input_image in zip(
                    job_ids, specs, holds, input_images, strict=True
                )
            )
    except InsufficientCredits as error:
        _forget_pictures(input_images)
        raise _insufficient(error) from None
    except (TooManyJobs, IntegrityError):
        _forget_pictures(input_images)
        # As in order_video: a parallel request with the same key may have won the lock.
        if not idempotency or not (
            Batch.objects.filter(owner=user, idempotency_key=idempotency.value).exists()
        ):
            raise
        batch = _check_replay(
            Batch.objects.get(owner=user, idempotency_key=idempotency.value), idempotency
        )
        return batch, list(batch.jobs.order_by("created_at", "id"))
    return batch, _submit_together(job_ids)


def submit_job(*, job_id, raise_errors: bool = False) -> VideoJob:
    """Create the job at the provider. A refusal or an outage fails it and releases its
    credits; with raise_errors the caller gets the matching API error."""
    job = VideoJob.objects.select_related("endpoint", "remixed_from").get(pk=job_id)
    if job.provider_video_id or job.status != JobStatus.QUEUED:
        return job
    job = _record_outcome(job, _create_at_provider(job))
    if raise_errors and job.status == JobStatus.FAILED and not job.provider_video_id:
        _raise_submission_error(job)
    return job


def _submit_together(job_ids) -> list[VideoJob]:
    """Submit a batch's jobs in parallel: only the HTTP calls run in threads, every
    database write stays on this connection."""
    jobs = list(
        VideoJob.objects.select_related("endpoint").filter(pk__in=job_ids, status=JobStatus.QUEUED)
    )
    with ThreadPoolExecutor(max_workers=max(len(jobs), 1)) as pool:
        outcomes = list(pool.map(_create_at_provider, jobs))
    for job, outcome in zip(jobs, outcomes, strict=True):
        _record_outcome(job, outcome)
    by_id = VideoJob.objects.in_bulk(job_ids)
    return [by_id[job_id] for job_id in job_ids]


def _create_at_provider(job: VideoJob) -> ProviderVideo | ProviderError:
    try:
        if job.remixed_from:  # None without a query when remixed_from_id is
            return get_provider(job.endpoint).remix(
                # A remix starts from a completed video: the provider knows it by this id.
                cast(str, job.remixed_from.provider_video_id),
                provider_prompt(job.prompt, job.style),
            )
        image = {"image": pictures.read_input(job)} if job.input_image else {}
        return get_provider(job.endpoint).create(
            prompt=provider_prompt(job.prompt, job.style),
            model=job.upstream_model,
            seconds=job.seconds,
            size=job.size,
            aspect_ratio=job.format,
            **image,
        )
    except ProviderError as error:
        return error


def _record_outcome(job: VideoJob, outcome: ProviderVideo | ProviderError) -> VideoJob:
    # The provider has answered: a connection lost meanwhile must not lose its answer (a
    # video made and never recorded would stay queued until the sweeper gave up on it).
    return once_more_on_lost_connection(lambda: _apply_outcome(job, outcome))


def _apply_outcome(job: VideoJob, outcome: ProviderVideo | ProviderError) -> VideoJob:
    if isinstance(outcome, ProviderVideo):
        return lifecycle.record_submission(job_id=job.id, video=outcome)
    if isinstance(outcome, ProviderNotFound) and job.remixed_from_id:
        return lifecycle.fail_job(
            job_id=job.id,
            code="source_expired",
            message="The provider no longer has the video to remix; order a new one instead.",
            detail=technical_detail(outcome),
        )
    failure = public_failure(outcome)
    logger.warning("video job %s could not be created at the provider: %s", job.id, failure.detail)
    return lifecycle.fail_job(
        job_id=job.id, code=failure.code, message=failure.message, detail=failure.detail
    )
