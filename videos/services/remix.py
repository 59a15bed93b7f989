"""Remixing a finished video: a new job made from it at the provider, ordered and paid
like any other (same model, length, size and price as the source)."""

from catalog.models import CatalogModel
from catalog.selectors import can_remix
from videos.exceptions import CannotRemix, NotReady
from videos.models import JobStatus, VideoJob
from videos.pricing import VideoSpec
from videos.services.ordering import order_video


def remix_video(
    *, user, source: VideoJob, prompt: str, style: str, idempotency_key: str | None = None
) -> VideoJob:
    """Order a remix of the user's completed `source` video through the provider's remix
    endpoint. Raises NotReady unless the source is completed, CannotRemix when its
    catalog model cannot remix, and whatever order_video raises."""
    if source.status != JobStatus.COMPLETED:
        raise NotReady(
            f"The video is {source.status.replace('_', ' ')}; only a completed video can be "
            "remixed."
        )
    model = CatalogModel.objects.select_related("endpoint").filter(model_id=source.model).first()
    if model is None or not can_remix(model):
        raise CannotRemix(f"Videos made with {source.model} cannot be remixed.")
    if source.endpoint.missing_key_variable():
        # Its provider's key is not configured: it would refuse the remix anyway.
        raise CannotRemix(f"Videos made with {source.model} cannot be remixed right now.")
    spec = VideoSpec(
        prompt=prompt,
        style=style,
        model=source.model,
        seconds=source.seconds,
        size=source.size,
        format=source.format,
        # The source's price, not today's catalog price: cost was seconds times this, exactly.
        credits_per_second=source.cost // source.seconds,
        endpoint_id=source.endpoint_id,
        upstream_model=source.upstream_model,
    )
    return order_video(user=user, spec=spec, idempotency_key=idempotency_key, remixed_from=source)
