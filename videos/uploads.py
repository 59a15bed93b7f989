"""Reading an order's picture upload without taking more than IMAGE_MAX_BYTES of it.

Django counts only the form's other fields against DATA_UPLOAD_MAX_MEMORY_SIZE: a file's
bytes go to memory or a temporary file, however many. The handler below stops keeping
them once a file passes IMAGE_MAX_BYTES and lets the parser read the rest of the body
into nothing, so the client gets a 413 with the reason (not a reset connection, a 500 or
a silently cut file) and nothing over the limit is ever stored.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from videos.exceptions import ImageTooLarge


class ImageSizeLimit(FileUploadHandler):
    """First in the chain: passes every chunk on until a file goes over the limit."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit or settings.IMAGE_MAX_BYTES
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            # connection_reset=False: the parser reads the rest of the body and drops it.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler makes the file


def is_multipart(request) -> bool:
    return request.content_type.startswith("multipart/form-data")


def limit_upload(request) -> ImageSizeLimit | None:
    """Put the size limit in front of Django's upload handlers; before request.data."""
    if not is_multipart(request):
        return None
    django_request = request._request  # DRF's parsers read the handlers from Django's request
    # A view run again (a lost database connection) finds the body already read, and the
    # limit that read it.
    limit = getattr(django_request, "_image_size_limit", None)
    if limit is None:
        limit = ImageSizeLimit(django_request)
        django_request.upload_handlers = [limit, *django_request.upload_handlers]
        django_request._image_size_limit = limit
    return limit


def check_upload(limit: ImageSizeLimit | None) -> None:
    """Raise ImageTooLarge (a 413) when the limit stopped an upload; after request.data."""
    if limit is not None and limit.too_large:
        raise ImageTooLarge(
            f"The image is larger than {settings.IMAGE_MAX_BYTES} bytes "
            f"({settings.IMAGE_MAX_BYTES / 1024 / 1024:g} MiB), the most an order takes."
        )
