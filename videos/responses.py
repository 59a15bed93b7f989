"""How the videos API answers: the HTTP status of each videos domain exception, and the
responses that send a stored file. The services and selectors know nothing of HTTP; this
module and the views are the videos app's API edge."""

from django.http import FileResponse, HttpResponseBase, HttpResponseRedirect
from rest_framework import status

from videos.exceptions import (
    CannotRemix,
    IdempotencyKeyInUse,
    IdempotencyKeyReusedForOtherRequest,
    ImageTooLarge,
    InvalidLink,
    NotCancellable,
    NotReady,
    OrderFailedUpstream,
    OrderNotAffordable,
    OrderRefused,
    PictureNotAccepted,
    TooManyJobs,
    UnverifiedWebhook,
    VideoNotFound,
)
from videos.ranged import ranged_file_response
from videos.services.files import StoredFile

# Registered with storycraft.errors by VideosConfig.ready().
ERROR_STATUSES = {
    VideoNotFound: status.HTTP_404_NOT_FOUND,
    InvalidLink: status.HTTP_403_FORBIDDEN,
    OrderNotAffordable: status.HTTP_402_PAYMENT_REQUIRED,
    TooManyJobs: status.HTTP_429_TOO_MANY_REQUESTS,
    IdempotencyKeyReusedForOtherRequest: status.HTTP_422_UNPROCESSABLE_ENTITY,
    IdempotencyKeyInUse: status.HTTP_409_CONFLICT,
    OrderRefused: status.HTTP_422_UNPROCESSABLE_ENTITY,
    OrderFailedUpstream: status.HTTP_503_SERVICE_UNAVAILABLE,
    NotReady: status.HTTP_409_CONFLICT,
    NotCancellable: status.HTTP_409_CONFLICT,
    CannotRemix: status.HTTP_400_BAD_REQUEST,
    UnverifiedWebhook: status.HTTP_400_BAD_REQUEST,
    PictureNotAccepted: status.HTTP_400_BAD_REQUEST,
    ImageTooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
}


def file_response(request, stored: StoredFile) -> HttpResponseBase:
    """The MP4, whole or the one Range asked for, or a redirect to its presigned URL."""
    if stored.url is not None:
        return HttpResponseRedirect(stored.url)
    # video_file sets both for a file opened from local storage.
    assert stored.size is not None and stored.filename is not None
    return ranged_file_response(
        request,
        stored.fileobj,
        size=stored.size,
        content_type=stored.content_type,
        filename=stored.filename,
    )


def thumbnail_response(stored: StoredFile) -> HttpResponseBase:
    """The poster image, or a redirect to its presigned URL."""
    if stored.url is not None:
        return HttpResponseRedirect(stored.url)
    response = FileResponse(stored.fileobj, content_type=stored.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
