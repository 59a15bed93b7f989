"""What an order asks for, checked against the catalog: the model, its seconds, its size or
format, the prompt's length with each style and the picture to start from. Orders,
batches, remix and picture orders all go through here, the serializers only parse, so each
rule and its message live in one place. A refusal is an OrderNotOnOffer naming the field."""

import uuid
from dataclasses import dataclass
from typing import cast

from catalog import styles
from catalog.models import CatalogModel
from catalog.selectors import Offer, SizeOffer, can_remix, orderable_offer, orderable_offers
from videos.exceptions import CannotRemix, NotReady, OrderNotOnOffer
from videos.models import JobStatus, VideoJob
from videos.pricing import VideoSpec
from videos.services import pictures
from videos.services.pictures import StartPicture


@dataclass(frozen=True)
class OrderRequest:
    """An order as parsed: `seconds` as given (any wrong value gets the same answer, what
    the model offers), None for what was left out."""

    prompt: str
    seconds: object
    styles: list[str]
    model: str | None = None
    format: str | None = None
    size: str | None = None
    image: StartPicture | None = None
    image_from_video: uuid.UUID | None = None


@dataclass(frozen=True)
class Order:
    specs: list[VideoSpec]  # one per style
    picture: StartPicture | None


def order_of(*, user, request: OrderRequest) -> Order:
    """The videos `request` orders, one per style. Raises OrderNotOnOffer, and VideoNotFound /
    NotReady for an `image_from_video` that is not the user's or not completed."""
    offer = _offer(request.model)
    seconds = _seconds(offer, request.seconds)
    size = _size(offer, request.format, request.size)
    picture = _picture(user, offer, request)
    if len(set(request.styles)) != len(request.styles):
        raise OrderNotOnOffer("styles", "Each style may be listed once.")
    for style in request.styles:
        _check_prompt_length(request.prompt, style, offer.model_id, offer.max_prompt_length)
    specs = [
        VideoSpec.of(offer, size, prompt=request.prompt, style=style, seconds=seconds)
        for style in request.styles
    ]
    return Order(specs=specs, picture=picture)


def remix_of(*, source: VideoJob, prompt: str, style: str) -> VideoSpec:
    """A remix of the user's `source`: its model, length, size and price. Raises NotReady
    unless it is completed, CannotRemix when its model cannot remix, OrderNotOnOffer for a
    prompt longer than its model takes."""
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
    _check_prompt_length(prompt, style, source.model, model.max_prompt_length)
    kept = ("model", "seconds", "size", "format", "endpoint_id", "upstream_model")
    return VideoSpec(
        prompt=prompt,
        style=style,
        # The source's price, not today's catalog price: cost was seconds times this, exactly.
        credits_per_second=source.cost // source.seconds,
        **{field: getattr(source, field) for field in kept},
    )


def _listing(values) -> str:
    values = [str(value) for value in values]
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else "".join(values)


def _sizes_text(offer: Offer) -> str:
    return ", ".join(f"{size.size} ({size.format})" for size in offer.sizes)


def _offer(model_id: str | None) -> Offer:
    offer = orderable_offer(model_id)
    if offer is None:
        available = _listing(offer.model_id for offer in orderable_offers()) or "none"
        problem = (
            f'"{model_id}" is not a model you can order.'
            if model_id is not None
            else "There is no default model: name one."
        )
        raise OrderNotOnOffer("model", f"{problem} Available: {available}.")
    return offer


def _seconds(offer: Offer, seconds) -> int:
    if isinstance(seconds, str) and seconds.isascii() and seconds.isdigit() and len(seconds) < 5:
        seconds = int(seconds)
    if isinstance(seconds, bool) or seconds not in offer.durations:
        raise OrderNotOnOffer(
            "seconds", f"{offer.model_id} makes videos of {_listing(offer.durations)} seconds."
        )
    return int(seconds)


def _size(offer: Offer, format_: str | None, size: str | None) -> SizeOffer:
    if size:
        chosen = offer.size(size)
        if chosen is None:
            others = [other.model_id for other in orderable_offers() if other.size(size)]
            elsewhere = f" ({_listing(others)} does)" if others else ""
            raise OrderNotOnOffer(
                "size",
                f"{offer.model_id} does not make {size}{elsewhere}. "
                f"Its sizes: {_sizes_text(offer)}.",
            )
        if format_ and chosen.format != format_:
            raise OrderNotOnOffer(
                "size", f"Size {size} is {chosen.format}, not {format_}; give one or the other."
            )
        return chosen
    if format_:
        chosen = offer.size_for_format(format_)
        if chosen is None:
            raise OrderNotOnOffer(
                "format",
                f'{offer.model_id} has no "{format_}" size. '
                f"Its sizes: {_sizes_text(offer)}; give a format or a size.",
            )
        return chosen
    return cast(SizeOffer, offer.default_size_offer)  # an orderable model has sizes


def _picture(user, offer: Offer, request: OrderRequest) -> StartPicture | None:
    """The picture to start from, checked against the model. Another user's video is a
    VideoNotFound (404), an unfinished one NotReady (409)."""
    uploaded, source = request.image, request.image_from_video
    if uploaded is None and source is None:
        return None
    field = "image" if uploaded is not None else "image_from_video"
    if uploaded is not None and source is not None:
        raise OrderNotOnOffer(field, "Give an image or image_from_video, not both.")
    if not offer.image_input:
        able = [other.model_id for other in orderable_offers() if other.image_input]
        raise OrderNotOnOffer(
            field,
            f"{offer.model_id} cannot start from a picture. "
            f"Models that can: {_listing(able) or 'none'}.",
        )
    return uploaded or pictures.last_frame_of(user, source)


def _check_prompt_length(prompt: str, style: str, model_id: str, limit: int) -> None:
    length = len(styles.provider_prompt(prompt, style))
    if length > limit:
        raise OrderNotOnOffer(
            "prompt",
            f"With the {style!r} style the prompt is {length} characters; "
            f"{model_id} takes at most {limit}.",
        )
