"""What a user is told when a provider fails, whatever protocol its endpoint speaks.

Users read a plain sentence and a stable code. The error's own text (the request line,
the HTTP library's exception, a host, a path, a gateway's words about a refused key) is
for the logs and the admin's job page (`VideoJob.error_detail`), never for the API.
"""

from dataclasses import dataclass

from videos.provider.base import (
    ProviderError,
    ProviderNotFound,
    ProviderOutcomeUnknown,
    ProviderRejected,
)

UNAVAILABLE = "provider_unavailable"
UNAVAILABLE_MESSAGE = (
    "The video provider is unavailable right now; your credits were returned. Try again later."
)
NO_ANSWER_MESSAGE = (
    "The video provider did not answer in time; your credits were returned. Try again later."
)
REJECTED = "provider_rejected"
MAX_MESSAGE_LENGTH = 500


@dataclass(frozen=True)
class PublicFailure:
    code: str  # stable: what programs branch on
    message: str  # a sentence for the user
    detail: str  # the technical account: logs and the admin only


def public_failure(error: ProviderError) -> PublicFailure:
    """How a failed create or remix is told to its user, and what support gets to see."""
    detail = technical_detail(error)
    # A 404 to a create is a wrong base URL or route: ours to fix, not the user's order.
    if isinstance(error, ProviderRejected) and not isinstance(error, ProviderNotFound):
        # A definite refusal of this order (moderation, a parameter): the provider's own
        # words tell the user what to change.
        return PublicFailure(
            code=error.code or REJECTED,
            message=error.message[:MAX_MESSAGE_LENGTH],
            detail=detail,
        )
    if isinstance(error, ProviderOutcomeUnknown):
        return PublicFailure(code=UNAVAILABLE, message=NO_ANSWER_MESSAGE, detail=detail)
    return PublicFailure(code=UNAVAILABLE, message=UNAVAILABLE_MESSAGE, detail=detail)


def technical_detail(error: ProviderError) -> str:
    """The error as support needs it: its kind, text, HTTP status and request id."""
    parts = [f"{type(error).__name__}: {error.message}"]
    if error.status_code is not None:
        parts.append(f"HTTP {error.status_code}")
    if error.request_id:
        parts.append(f"request {error.request_id}")
    return "; ".join(parts)
