"""Where a finished video lives and the links that let a `<video>` tag fetch it."""

import functools
import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.signing import Signer
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.crypto import constant_time_compare

from videos.exceptions import NotReady, VideoNotFound
from videos.models import JobStatus, VideoJob

_signer = Signer(salt="videos.file-url")


def storage_name(job: VideoJob) -> str:
    return f"videos/{job.owner_id}/{job.id}.mp4"


def thumbnail_storage_name(job: VideoJob, extension: str) -> str:
    return f"videos/{job.owner_id}/{job.id}.{extension}"


def is_local_storage() -> bool:
    return settings.STORAGE_BACKEND == "local"


def _link_expiry(now: float) -> int:
    # Links are stable within half a TTL so that ETags and caches hold, and every link
    # handed out stays valid for at least half of FILE_URL_TTL.
    step = max(settings.FILE_URL_TTL // 2, 1)
    return int(now // step) * step + settings.FILE_URL_TTL


# What a signed link opens: a link to the poster image does not open the video.
VIDEO, THUMBNAIL, INPUT_IMAGE = "file", "thumbnail", "input-image"


def _signature(job_id, expires: int, what: str = VIDEO) -> str:
    subject = f"{job_id}:{expires}" if what == VIDEO else f"{job_id}:{expires}:{what}"
    return _signer.signature(subject)


@functools.lru_cache(maxsize=32)
def _path_template(what: str, urlconf: str, script_prefix: str) -> str:
    """The link's path with a {job_id} slot. reverse() walks the URL resolver, which cost
    more than everything else in a page of 20 jobs' links; it runs once per kind, URL
    module and script prefix (its inputs besides the id)."""
    marker = uuid.UUID(int=0)
    return reverse(f"video-{what}", kwargs={"job_id": marker}).replace(str(marker), "{job_id}")


def signed_file_path(job: VideoJob, *, now: float | None = None, what: str = VIDEO) -> str:
    expires = _link_expiry(time.time() if now is None else now)
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    path = _path_template(what, urlconf, get_script_prefix()).format(job_id=job.id)
    return f"{path}?expires={expires}&signature={_signature(job.id, expires, what)}"


def link_is_valid(job_id, *, expires: str | None, signature: str | None, what: str = VIDEO) -> bool:
    # Twelve digits reach the year 33658; longer is junk (and int() of thousands of
    # digits is refused by Python itself).
    if not expires or not signature or not expires.isdigit() or len(expires) > 12:
        return False
    if int(expires) < time.time():
        return False
    return constant_time_compare(signature, _signature(job_id, int(expires), what))


def file_url_for(job: VideoJob, *, request=None) -> str | None:
    """A URL that plays without any header, or None until the video is stored."""
    if job.status != JobStatus.COMPLETED or not job.file:
        return None
    if is_local_storage():
        path = signed_file_path(job)
        return request.build_absolute_uri(path) if request is not None else path
    return _presigned_url(job.file.name)


def thumbnail_url_for(job: VideoJob, *, request=None) -> str | None:
    """Like file_url, for the poster image: None until there is one."""
    if job.status != JobStatus.COMPLETED or not job.thumbnail:
        return None
    if is_local_storage():
        path = signed_file_path(job, what=THUMBNAIL)
        return request.build_absolute_uri(path) if request is not None else path
    return _presigned_url(job.thumbnail.name)


def input_image_url_for(job: VideoJob, *, request=None) -> str | None:
    """Like file_url, for the picture the video started from: None for a text order."""
    if not job.input_image:
        return None
    if is_local_storage():
        path = signed_file_path(job, what=INPUT_IMAGE)
        return request.build_absolute_uri(path) if request is not None else path
    return _presigned_url(job.input_image.name)


def _presigned_url(name: str | None) -> str:
    # S3Storage.url takes `expire`; default_storage is typed as the base Storage, which does not.
    return default_storage.url(name, expire=settings.FILE_URL_TTL)  # type: ignore[call-arg]


def job_etag(job: VideoJob, *, now: float | None = None) -> str:
    """Changes whenever the job does, and when its file link moves to the next window,
    so a 304 never hands back a link that is about to expire."""
    linked = job.file or job.input_image
    window = _link_expiry(time.time() if now is None else now) if linked else 0
    return f'"{job.id.hex}-{job.updated_at.timestamp():.6f}-{window}"'


@dataclass(frozen=True)
class StoredFile:
    """A stored file to send, for the view to answer with: either a presigned URL (S3
    serves the bytes and their Ranges; Django never proxies them) or the file opened from
    local storage, which the response closes once sent."""

    content_type: str
    url: str | None = None
    fileobj: IO[bytes] | None = None
    size: int | None = None
    filename: str | None = None


def video_file(job: VideoJob) -> StoredFile:
    """The stored MP4. Raises NotReady until the job has one."""
    name = job.file.name  # set when the field is (a FieldFile is truthy when it has a name)
    if job.status != JobStatus.COMPLETED or not name:
        raise NotReady(f"The video is {job.status.replace('_', ' ')}; it has no file yet.")
    if not is_local_storage():
        return StoredFile("video/mp4", url=_presigned_url(name))
    return StoredFile(
        "video/mp4",
        fileobj=default_storage.open(name, "rb"),
        size=default_storage.size(name),
        filename=f"{job.id}.mp4",
    )


def input_image_file(job: VideoJob) -> StoredFile:
    """The picture the video started from. Raises NotReady for a text order (it has none)."""
    name = job.input_image.name
    if not name:
        raise VideoNotFound("This video did not start from a picture.")
    if not is_local_storage():
        return StoredFile("image/png", url=_presigned_url(name))
    return StoredFile("image/png", fileobj=default_storage.open(name, "rb"))


THUMBNAIL_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}


def thumbnail_file(job: VideoJob) -> StoredFile:
    """The stored poster image. Raises NotReady until the job has one."""
    name = job.thumbnail.name
    if job.status != JobStatus.COMPLETED or not name:
        state = "has no poster image yet" if job.status == JobStatus.COMPLETED else "is not ready"
        raise NotReady(f"The video is {job.status.replace('_', ' ')}; it {state}.")
    content_type = THUMBNAIL_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    if not is_local_storage():
        return StoredFile(content_type, url=_presigned_url(name))
    return StoredFile(content_type, fileobj=default_storage.open(name, "rb"))


def content_digest(upload) -> str:
    """sha256 of an uploaded file's bytes, read in chunks; the file is rewound after."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return f"sha256:{digest.hexdigest()}"
