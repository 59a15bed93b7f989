"""Ordering videos: validate money, reserve credits and create jobs together, then submit."""

import hashlib
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.styles import provider_prompt
from storycraft.connections import once_more_on_lost_connection
from videos.exceptions import (
    IdempotencyKeyReusedForOtherRequest,
    InsufficientCreditsError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from videos.models import Batch, JobStatus, VideoJob
from videos.pricing import VideoSpec
from videos.provider import get_provider
from videos.provider.base import ProviderError, ProviderNotFound, ProviderRejected, ProviderVideo
from videos.services import lifecycle
from wallet.exceptions import InsufficientCredits
from wallet.services import HoldRequest, reserve_credits

logger = logging.getLogger(__name__)

UNAVAILABLE = "provider_unavailable"


def _fingerprint(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _check_replay(existing, fingerprint: str):
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyKeyReusedForOtherRequest(
            "This Idempotency-Key was already used with a different request body."
        )
    return existing


def _insufficient(error: InsufficientCredits) -> InsufficientCreditsError:
    return InsufficientCreditsError(
        f"This order costs {error.needed} credits; {error.available} are available."
    )


def _new_job(
    *, job_id, user, spec: VideoSpec, hold, batch=None, key=None, fingerprint="", remixed_from=None
):
    return VideoJob(
        id=job_id,
        owner=user,
        batch=batch,
        remixed_from=remixed_from,
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
        idempotency_key=key,
        request_fingerprint=fingerprint,
        # Due for the sweeper in case this process dies before the provider has the job.
        next_poll_at=timezone.now() + lifecycle.UNSUBMITTED_GRACE,
    )


def order_video(
    *,
    user,
    spec: VideoSpec,
    idempotency_key: str | None = None,
    remixed_from: VideoJob | None = None,
) -> VideoJob:
    """Reserve the credits, create the job and hand it to the provider (as a remix of
    `remixed_from` when given).

    Raises InsufficientCreditsError (nothing created), IdempotencyKeyReusedForOtherRequest, and
    ProviderRejectedError / ProviderUnavailableError (job failed, credits released)."""
    request = spec.request
    if remixed_from is not None:
        request = {**request, "remixed_from": str(remixed_from.pk)}
    fingerprint = _fingerprint(request)
    if idempotency_key:
        existing = VideoJob.objects.filter(owner=user, idempotency_key=idempotency_key).first()
        if existing:
            _check_replay(existing, fingerprint)
            if existing.status == JobStatus.QUEUED and not existing.provider_video_id:
                # The first request stored the job and died (a lost database connection, a
                # killed process) before the provider had it; this one holds the key now.
                return submit_job(job_id=existing.id, raise_errors=True)
            return _replay_job(existing)
    job_id = uuid.uuid4()
    try:
        with transaction.atomic():
            [hold] = reserve_credits(
                user=user,
                holds=[
                    HoldRequest(
                        amount=spec.cost,
                        key=f"video:{job_id}",
                        note=f"{spec.model} {spec.seconds}s {spec.size}, {spec.style}",
                        video_id=job_id,
                    )
                ],
            )
            job = _new_job(
                job_id=job_id,
                user=user,
                spec=spec,
                hold=hold,
                key=idempotency_key,
                fingerprint=fingerprint,
                remixed_from=remixed_from,
            )
            job.save(force_insert=True)
    except (InsufficientCredits, IntegrityError) as error:
        # The same key may have raced in from a parallel request that won the wallet lock
        # first (and perhaps spent the credits): then this is a retry, answered the same.
        existing = idempotency_key and (
            VideoJob.objects.filter(owner=user, idempotency_key=idempotency_key).first()
        )
        if existing:
            return _replay_job(_check_replay(existing, fingerprint))
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
        raise ProviderUnavailableError(job.error_message)
    raise ProviderRejectedError(job.error_message)


def order_batch(
    *, user, specs: list[VideoSpec], idempotency_key: str | None = None
) -> tuple[Batch, list[VideoJob]]:
    """Order one prompt in several styles: every hold is reserved at once, or none."""
    first = specs[0]
    fingerprint = _fingerprint([spec.request for spec in specs])
    if idempotency_key:
        existing = Batch.objects.filter(owner=user, idempotency_key=idempotency_key).first()
        if existing:
            batch = _check_replay(existing, fingerprint)
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
    try:
        with transaction.atomic():
            batch = Batch.objects.create(
                id=batch_id,
                owner=user,
                prompt=first.prompt,
                model=first.model,
                seconds=first.seconds,
                size=first.size,
                format=first.format,
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint,
            )
            holds = reserve_credits(
                user=user,
                holds=[
                    HoldRequest(
                        amount=spec.cost,
                        key=f"video:{job_id}",
                        note=f"{spec.model} {spec.seconds}s {spec.size}, {spec.style} (batch)",
                        video_id=job_id,
                        batch_id=batch_id,
                    )
                    for job_id, spec in zip(job_ids, specs, strict=True)
                ],
            )
            VideoJob.objects.bulk_create(
                _new_job(job_id=job_id, user=user, spec=spec, hold=hold, batch=batch)
                for job_id, spec, hold in zip(job_ids, specs, holds, strict=True)
            )
    except InsufficientCredits as error:
        raise _insufficient(error) from None
    except IntegrityError:
        if not idempotency_key:
            raise
        batch = _check_replay(
            Batch.objects.get(owner=user, idempotency_key=idempotency_key), fingerprint
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
        if job.remixed_from_id:
            return get_provider(job.endpoint).remix(
                job.remixed_from.provider_video_id, provider_prompt(job.prompt, job.style)
            )
        return get_provider(job.endpoint).create(
            prompt=provider_prompt(job.prompt, job.style),
            model=job.upstream_model,
            seconds=job.seconds,
            size=job.size,
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
        )
    if isinstance(outcome, ProviderRejected):
        return lifecycle.fail_job(
            job_id=job.id, code=outcome.code or "provider_rejected", message=outcome.message
        )
    # Unavailable, or sent without an answer: the job fails and its credits come back.
    return lifecycle.fail_job(
        job_id=job.id,
        code=UNAVAILABLE,
        message=f"The video provider is unavailable right now; try again later. ({outcome})",
    )
