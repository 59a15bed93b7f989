"""Where a finished video lives and the links that let a `<video>` tag fetch it."""

import time

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.signing import Signer
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from videos.models import JobStatus, VideoJob
from videos.ranged import ranged_file_response
from videos.services.errors import NotReady

_signer = Signer(salt="videos.file-url")


def storage_name(job: VideoJob) -> str:
    return f"videos/{job.owner_id}/{job.id}.mp4"


def is_local_storage() -> bool:
    return settings.STORAGE_BACKEND == "local"


def _link_expiry(now: float) -> int:
    # Links are stable within half a TTL so that ETags and caches hold, and every link
    # handed out stays valid for at least half of FILE_URL_TTL.
    step = max(settings.FILE_URL_TTL // 2, 1)
    return int(now // step) * step + settings.FILE_URL_TTL


def _signature(job_id, expires: int) -> str:
    return _signer.signature(f"{job_id}:{expires}")


def signed_file_path(job: VideoJob, *, now: float | None = None) -> str:
    expires = _link_expiry(time.time() if now is None else now)
    path = reverse("video-file", kwargs={"job_id": job.id})
    return f"{path}?expires={expires}&signature={_signature(job.id, expires)}"


def link_is_valid(job_id, *, expires: str | None, signature: str | None) -> bool:
    # Twelve digits reach the year 33658; longer is junk (and int() of thousands of
    # digits is refused by Python itself).
    if not expires or not signature or not expires.isdigit() or len(expires) > 12:
        return False
    if int(expires) < time.time():
        return False
    return constant_time_compare(signature, _signature(job_id, int(expires)))


def file_url_for(job: VideoJob, *, request=None) -> str | None:
    """A URL that plays without any header, or None until the video is stored."""
    if job.status != JobStatus.COMPLETED or not job.file:
        return None
    if is_local_storage():
        path = signed_file_path(job)
        return request.build_absolute_uri(path) if request is not None else path
    return default_storage.url(job.file.name, expire=settings.FILE_URL_TTL)


def job_etag(job: VideoJob, *, now: float | None = None) -> str:
    """Changes whenever the job does, and when its file link moves to the next window,
    so a 304 never hands back a link that is about to expire."""
    window = _link_expiry(time.time() if now is None else now) if job.file else 0
    return f'"{job.id.hex}-{job.updated_at.timestamp():.6f}-{window}"'


def file_response(request, job: VideoJob):
    """The stored MP4: streamed with Range support from local storage, or a redirect to a
    presigned URL (S3 serves Range itself; Django never proxies it)."""
    if job.status != JobStatus.COMPLETED or not job.file:
        raise NotReady(f"The video is {job.status.replace('_', ' ')}; it has no file yet.")
    if not is_local_storage():
        return HttpResponseRedirect(
            default_storage.url(job.file.name, expire=settings.FILE_URL_TTL)
        )
    return ranged_file_response(
        request,
        default_storage.open(job.file.name, "rb"),
        size=default_storage.size(job.file.name),
        content_type="video/mp4",
        filename=f"{job.id}.mp4",
    )
