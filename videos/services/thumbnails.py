"""Poster images for stored videos: the provider's thumbnail when it serves a real image,
else the video's first frame. Best effort: a missing poster never touches the video."""

import logging
import tempfile

import av
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from videos.models import JobStatus, VideoJob
from videos.provider import get_provider
from videos.services.files import thumbnail_storage_name

logger = logging.getLogger(__name__)

# A poster is a few dozen kilobytes; anything far larger is not one.
MAX_THUMBNAIL_BYTES = 10 * 1024 * 1024


def image_extension(header: bytes) -> str | None:
    """The file extension of a WebP, JPEG or PNG image from its first bytes, else None.
    (LiteLLM ignores `variant=thumbnail` and answers with the MP4.)"""
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return "webp"
    if header[:3] == b"\xff\xd8\xff":
        return "jpg"
    if header[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    return None


def store_thumbnail(*, job_id) -> VideoJob:
    """Give a completed video its poster image, once; safe to call again at any time."""
    job = VideoJob.objects.select_related("endpoint").get(pk=job_id)
    if job.status != JobStatus.COMPLETED or not job.file or job.thumbnail:
        return job
    try:
        image, extension = _from_provider(job) or _first_frame(job)
        name = thumbnail_storage_name(job, extension)
        # A poster left by an attempt that died before recording it is replaced.
        if default_storage.exists(name):
            default_storage.delete(name)
        stored = default_storage.save(name, ContentFile(image, name=name))
    except Exception:
        logger.exception("no poster image for video job %s", job_id)
        return job
    # updated_at moves too: a client polling with an ETag must see the new thumbnail_url.
    recorded = VideoJob.objects.filter(pk=job.id, status=JobStatus.COMPLETED, thumbnail="").update(
        thumbnail=stored, updated_at=timezone.now()
    )
    if not recorded:
        logger.info("video job %s got its poster image elsewhere", job_id)
    job.refresh_from_db()
    return job


def _from_provider(job: VideoJob) -> tuple[bytes, str] | None:
    if not job.provider_video_id:
        return None
    try:
        provider = get_provider(job.endpoint)
        if not provider.serves_thumbnails:
            return None  # OpenRouter has the video only
        received = bytearray()
        with provider.stream_content(job.provider_video_id, variant="thumbnail") as chunks:
            for chunk in chunks:
                received += chunk
                if len(received) > MAX_THUMBNAIL_BYTES:
                    return None
    except Exception as error:  # provider gone, expired, or no such variant
        logger.info("no thumbnail from the provider for video job %s: %r", job.id, error)
        return None
    extension = image_extension(bytes(received[:16]))
    return (bytes(received), extension) if extension else None


def _first_frame(job: VideoJob) -> tuple[bytes, str]:
    """The MP4's first frame as a JPEG."""
    assert job.file.name  # store_thumbnail checked that the job has its file
    with default_storage.open(job.file.name, "rb") as video, av.open(video, "r") as container:
        frame = next(container.decode(video=0))
    with tempfile.NamedTemporaryFile(suffix=".jpg") as output:
        with av.open(output.name, "w", format="image2", options={"update": "1"}) as image:
            stream = image.add_stream("mjpeg", rate=1)
            stream.width, stream.height, stream.pix_fmt = frame.width, frame.height, "yuvj420p"
            still = frame.reformat(format="yuvj420p")
            still.pts = 0
            image.mux(stream.encode(still))
            image.mux(stream.encode())
        output.seek(0)
        return output.read(), "jpg"
