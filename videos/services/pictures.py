"""The picture a video starts from: an upload checked and decoded, or the last frame of a
finished video; fitted to the order's size and stored beside the job as a PNG.

Every check here runs before any credit moves. An upload is decoded by Pillow (its name
and Content-Type are not trusted); its size in pixels is read from the header first, so a
decompression bomb is refused before a byte of it is inflated.
"""

import io
import logging
import warnings
from dataclasses import dataclass

import av
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from catalog.models import SIZE_PATTERN
from videos.exceptions import NotReady, PictureNotAccepted
from videos.models import JobStatus, VideoJob
from videos.selectors import job_of
from videos.services.files import content_digest

logger = logging.getLogger(__name__)

FORMATS = ("PNG", "JPEG", "WEBP")
MAX_SIDE = 4096
# Pillow's own bomb guard, kept at a bound this module can explain: a picture within
# MAX_SIDE on both sides is never more than this.
MAX_PIXELS = MAX_SIDE * MAX_SIDE


@dataclass(frozen=True)
class StartPicture:
    """A decoded picture an order starts from. `digest` tells two pictures apart in an
    Idempotency-Key's fingerprint; `from_video` is the video whose last frame it is."""

    image: Image.Image
    digest: str
    from_video: VideoJob | None = None


def read_upload(upload) -> StartPicture:
    """An uploaded PNG, JPEG or WebP, decoded. Raises PictureNotAccepted (a 400) when it is
    anything else, wider or taller than MAX_SIDE, or a decompression bomb."""
    digest = content_digest(upload)
    refused = PictureNotAccepted(
        "The image must be a PNG, JPEG or WebP picture; this file is not one we can read."
    )
    try:
        with warnings.catch_warnings():
            # Above MAX_IMAGE_PIXELS Pillow only warns: make that a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(upload, formats=FORMATS)
            _check_dimensions(image.size)
            image.load()
            # Turned the way it was held (a phone's EXIF) and made RGB now, while a picture
            # we cannot convert (an odd mode) is still a 400.
            image = ImageOps.exif_transpose(image).convert("RGB")
    except PictureNotAccepted:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureNotAccepted(
            f"The image is too large to decode: at most {MAX_SIDE} pixels a side."
        ) from None
    except (OSError, SyntaxError, ValueError, TypeError, EOFError):
        raise refused from None
    return StartPicture(image=image, digest=digest)


def _check_dimensions(size: tuple[int, int]) -> None:
    width, height = size
    if width > MAX_SIDE or height > MAX_SIDE or width < 1 or height < 1:
        raise PictureNotAccepted(
            f"The image is {width}x{height} pixels; at most {MAX_SIDE} pixels a side are taken."
        )


def last_frame_of(user, job_id) -> StartPicture:
    """The last frame of the user's completed video. Raises VideoNotFound (another user's or
    no such job) and NotReady (not completed, or its file is gone)."""
    source = job_of(user, job_id)
    name = source.file.name  # a FieldFile is truthy when it has a name
    if source.status != JobStatus.COMPLETED or not name:
        raise NotReady(
            f"The video {source.id} is {source.status.replace('_', ' ')}; a video can be "
            "continued once it is completed."
        )
    with default_storage.open(name, "rb") as handle:
        frame = _last_frame(handle)
    if frame is None:
        raise NotReady(f"The video {source.id} has no frame to continue from.")
    return StartPicture(image=frame, digest=f"video:{source.id}", from_video=source)


def _last_frame(handle) -> Image.Image | None:
    """Seek to the last keyframe and decode from there: a few frames, never the whole
    video, and one decoded frame held at a time."""
    with av.open(handle) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        last = None
        if container.duration:
            container.seek(container.duration, backward=True, any_frame=False)
            for frame in container.decode(stream):
                last = frame
        if last is None:  # a file that cannot seek: read it through, frame by frame
            container.seek(0)
            for frame in container.decode(stream):
                last = frame
        return last.to_image() if last is not None else None


def fitted_png(picture: StartPicture, size: str) -> bytes:
    """The picture scaled to cover `size` (WIDTHxHEIGHT) and cropped about its centre, as
    PNG bytes: providers want the first frame exactly the video's size."""
    match = SIZE_PATTERN.match(size)
    if match is None:
        raise ValueError(f"not a WIDTHxHEIGHT size: {size!r}")
    width, height = int(match["width"]), int(match["height"])
    image = picture.image.convert("RGB")  # a no-op for an upload, read as RGB already
    fitted = ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    output = io.BytesIO()
    fitted.save(output, format="PNG")
    return output.getvalue()


def input_storage_name(*, owner_id, job_id) -> str:
    return f"videos/{owner_id}/{job_id}-input.png"


def store_input(*, owner_id, job_id, png: bytes) -> str:
    """Store the fitted picture beside the job's video (before the job exists: it is
    sent from storage, by whichever process submits the job); its storage name."""
    return default_storage.save(
        input_storage_name(owner_id=owner_id, job_id=job_id), ContentFile(png)
    )


def read_input(job: VideoJob) -> bytes:
    assert job.input_image.name  # only called for a job that started from a picture
    with default_storage.open(job.input_image.name, "rb") as handle:
        return handle.read()


def forget_input(name: str) -> None:
    """Best effort: a picture stored for an order that was then refused."""
    try:
        default_storage.delete(name)
    except Exception:
        logger.warning("could not delete the unused picture %s", name, exc_info=True)
