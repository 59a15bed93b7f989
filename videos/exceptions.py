"""What the videos services and selectors refuse, without HTTP: the API's statuses for
these are declared in videos/responses.py."""

from storycraft.exceptions import DomainError, NotFound


class VideoNotFound(NotFound):
    """No such job, or it belongs to another user (who may not learn that it exists)."""

    default_message = "No such video."


class InvalidLink(DomainError):
    """A signed file link that was forged, altered or has expired."""

    code = "permission_denied"
    default_message = "This link is invalid or has expired."


class OrderNotAffordable(DomainError):
    """The order costs more than the wallet has available; nothing was created. (The
    wallet's own refusal, wallet.exceptions.InsufficientCredits, becomes this one.)"""

    code = "insufficient_credits"


class IdempotencyKeyReusedForOtherRequest(DomainError):
    """The client's Idempotency-Key was first sent with another request (another body,
    endpoint or source video), so it cannot answer this one."""

    code = "idempotency_key_reused"
    default_message = (
        "This Idempotency-Key was already used with a different request "
        "(another body, or another endpoint)."
    )


class IdempotencyKeyInUse(DomainError):
    """The first request with this Idempotency-Key is still running."""

    code = "idempotency_key_in_use"
    retry_after = 2


class TooManyJobs(DomainError):
    """The user already has MAX_JOBS_IN_FLIGHT unfinished jobs; nothing was created."""

    code = "too_many_jobs"


class OrderRefused(DomainError):
    """The provider refused the ordered job (its content or parameters); it failed,
    refunded. (The provider client's videos.provider.ProviderRejected becomes this one.)"""

    code = "provider_rejected"


class OrderFailedUpstream(DomainError):
    """The provider could not be reached or failed when the job was ordered; it failed,
    refunded. (The provider client's ProviderUnavailable becomes this one.)"""

    code = "provider_unavailable"


class NotReady(DomainError):
    """The job has not reached the state this needs (a file, a poster, a finished source)."""

    code = "not_ready"


class NotCancellable(DomainError):
    """The job is downloading or over: too late to cancel."""

    code = "not_cancellable"


class CannotRemix(DomainError):
    """The source video's catalog model has no remix endpoint."""

    code = "remix_not_supported"


class UnverifiedWebhook(DomainError):
    """A webhook delivery that cannot be verified: no secret configured, a bad or stale
    signature, or not an event. The code says which."""

    code = "invalid_signature"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


class OrderNotOnOffer(DomainError):
    """An order the catalog cannot make as asked (its model, seconds, size, format, styles,
    prompt or picture). `field` names what to change: the API answers it as that field's
    error, the shape of the serializer's own checks."""

    code = "invalid"

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class PictureNotAccepted(DomainError):
    """The picture to start from is not a PNG, JPEG or WebP we can read, is too many
    pixels, or the model cannot start from one."""

    code = "invalid_image"


class ImageTooLarge(DomainError):
    """The uploaded picture is more bytes than IMAGE_MAX_BYTES; it was not read through."""

    code = "image_too_large"
