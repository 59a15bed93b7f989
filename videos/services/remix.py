"""Remixing a finished video: a new job made from it at the provider, ordered and paid
like any other (same model, length, size and price as the source)."""

from typing import TYPE_CHECKING

from videos.models import VideoJob
from videos.services.ordering import order_video
from videos.services.specs import remix_of

if TYPE_CHECKING:
    from videos.idempotency import IdempotencyKey


def remix_video(
    *,
    user,
    source: VideoJob,
    prompt: str,
    style: str,
    idempotency: "IdempotencyKey | None" = None,
) -> VideoJob:
    """Order a remix of the user's completed `source` video through the provider's remix
    endpoint. Raises what remix_of and order_video raise."""
    spec = remix_of(source=source, prompt=prompt, style=style)
    return order_video(user=user, spec=spec, idempotency=idempotency, remixed_from=source)
