"""Fetch a finished video from the provider into storage, then complete and settle it."""

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import cast

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.utils import timezone

from storycraft.connections import once_more_on_lost_connection
from videos.models import JobStatus, VideoJob
from videos.provider import get_provider
from videos.provider.base import ProviderNotFound
from videos.services import lifecycle
from videos.services.files import storage_name
from videos.services.thumbnails import store_thumbnail

logger = logging.getLogger(__name__)

MAX_DOWNLOAD_ATTEMPTS = 5
MP4_HEADER = 12  # bytes: a size, then "ftyp"
PART_SUFFIX = ".part"  # a local download in progress: `<id>.mp4.<random>.part`


# A download owns its job for DOWNLOAD_LEASE and renews the lease every HEARTBEAT while
# the bytes arrive, so a download killed with its worker (kill -9, out of memory) frees the
# job within half a minute, and the sweeper hands it to another download.
DOWNLOAD_LEASE = timedelta(seconds=30)
HEARTBEAT = timedelta(seconds=10)


class NotAnMp4(Exception):
    pass


class LeaseLost(Exception):
    """Another download took the job over (this one stalled past its lease)."""


def download_job(*, job_id) -> VideoJob:
    """Store the job's MP4 and settle it. Safe to call any number of times, concurrently."""
    job = _claim_download(job_id)
    if job is None:
        return VideoJob.objects.get(pk=job_id)
    if job.provider_expires_at and job.provider_expires_at <= timezone.now():
        return lifecycle.fail_job(
            job_id=job_id, code="expired", message="The provider's copy expired before download."
        )
    name = storage_name(job)
    renew = partial(_renew_lease, job)
    try:
        _store(job, name, heartbeat=lambda: once_more_on_lost_connection(renew))
    except LeaseLost:
        logger.warning("download of video job %s lost its lease to another download", job_id)
        return VideoJob.objects.get(pk=job_id)
    except ProviderNotFound:
        return lifecycle.fail_job(
            job_id=job_id, code="expired", message="The provider no longer has this video."
        )
    except Exception as error:  # provider, OS and storage (boto) errors: all retried later
        logger.warning("download of video job %s failed: %r", job_id, error)
        return _after_failed_attempt(job, error)
    completed = once_more_on_lost_connection(
        lambda: lifecycle.complete_job(job_id=job_id, stored_name=name)
    )
    if completed is None:
        job = VideoJob.objects.get(pk=job_id)
        if job.file.name != name:
            # The job was failed (and refunded) while we downloaded: keep nothing unpaid.
            default_storage.delete(name)
        return job
    # After the settle, so that a poster that cannot be made never unsettles the video.
    return store_thumbnail(job_id=job_id)


def _claim_download(job_id) -> VideoJob | None:
    now = timezone.now()
    with transaction.atomic():
        job = (
            VideoJob.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .get(pk=job_id)
        )
        if job.status != JobStatus.DOWNLOADING:
            return None
        if job.download_lease_until and job.download_lease_until > now:
            return None  # another worker is downloading it right now
        job.download_lease_until = now + DOWNLOAD_LEASE
        # The sweeper looks again as soon as the lease could lapse.
        job.next_poll_at = job.download_lease_until
        # The attempt number is this download's token: a renewal that finds another
        # number knows the job was taken over.
        job.download_attempts += 1
        job.save(
            update_fields=[
                "download_lease_until",
                "next_poll_at",
                "download_attempts",
                "updated_at",
            ]
        )
    return job


def _renew_lease(job: VideoJob) -> None:
    lease_until = timezone.now() + DOWNLOAD_LEASE
    renewed = VideoJob.objects.filter(
        pk=job.pk, status=JobStatus.DOWNLOADING, download_attempts=job.download_attempts
    ).update(download_lease_until=lease_until, next_poll_at=lease_until)
    if not renewed:
        raise LeaseLost(job.pk)


def _store(job: VideoJob, name: str, *, heartbeat: Callable[[], None] | None = None) -> None:
    """Stream the MP4 into storage under `name`; `heartbeat` is called every HEARTBEAT while
    it runs and once before the file takes its name. A half-received file never does."""
    if isinstance(default_storage, FileSystemStorage):
        _store_in_place(job, default_storage, name, heartbeat)
        return
    # Other storages (S3) upload from a spool on disk, not memory: a video may be large.
    with tempfile.TemporaryFile() as spool:
        _receive(job, spool.write, heartbeat)
        spool.seek(0)
        stored = default_storage.save(name, File(spool, name=name))
    if stored != name:
        raise OSError(f"storage saved {stored!r} instead of {name!r}")


def _store_in_place(
    job: VideoJob, storage: FileSystemStorage, name: str, heartbeat: Callable[[], None] | None
) -> None:
    """Local storage: the bytes go straight into a temporary file next to the final one,
    which is renamed (atomically) once complete: the video is written once, not spooled
    and copied."""
    final = Path(storage.path(name))
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(final)
    descriptor, part = tempfile.mkstemp(
        dir=final.parent, prefix=f"{final.name}.", suffix=PART_SUFFIX
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            _receive(job, file.write, heartbeat)
        if storage.file_permissions_mode is not None:
            os.chmod(part, storage.file_permissions_mode)  # mkstemp makes it 0600
        os.replace(part, final)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise


def _remove_stale_parts(final: Path) -> None:
    """What a download killed mid-way (kill -9) left of this video: a running download
    writes its part at least every lease, a dead one stopped."""
    oldest_live = time.time() - DOWNLOAD_LEASE.total_seconds()
    for stale in final.parent.glob(f"{final.name}.*{PART_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            if stale.stat().st_mtime < oldest_live:
                stale.unlink()


def _receive(job: VideoJob, write: Callable[[bytes], object], heartbeat) -> None:
    """The provider's MP4, chunk by chunk into `write`; refused at its first bytes if it
    is no MP4."""
    beat_every = HEARTBEAT.total_seconds()
    next_beat = time.monotonic() + beat_every
    header = b""
    # A job downloads once the provider said it completed: the provider knows it by this id.
    with get_provider(job.endpoint).stream_content(cast(str, job.provider_video_id)) as chunks:
        for chunk in chunks:
            if len(header) < MP4_HEADER:
                header += chunk[: MP4_HEADER - len(header)]
                if len(header) == MP4_HEADER:
                    _check_mp4(header)
            write(chunk)
            if heartbeat and time.monotonic() >= next_beat:
                heartbeat()
                next_beat = time.monotonic() + beat_every
    _check_mp4(header)
    if heartbeat:
        heartbeat()


def _check_mp4(header: bytes) -> None:
    if len(header) < MP4_HEADER or header[4:8] != b"ftyp":
        raise NotAnMp4(f"content starts with {header!r}")


def _after_failed_attempt(job: VideoJob, error: Exception) -> VideoJob:
    if job.download_attempts >= MAX_DOWNLOAD_ATTEMPTS:
        return lifecycle.fail_job(
            job_id=job.id,
            code="download_failed",
            message=f"The video could not be stored after {job.download_attempts} attempts.",
            detail=f"last attempt: {error!r}",
        )
    VideoJob.objects.filter(pk=job.id, status=JobStatus.DOWNLOADING).update(
        download_lease_until=None,
        next_poll_at=lifecycle.retry_time(job.download_attempts),
        updated_at=timezone.now(),
    )
    return VideoJob.objects.get(pk=job.id)
