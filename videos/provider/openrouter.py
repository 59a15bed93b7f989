"""OpenRouter's video API over httpx (facts: ../shared/OPENROUTER_API.md).

Retries, timeouts and error classification are shared with the OpenAI protocol (http.py);
this module says what the requests and answers are:

- An order is `POST /videos` with JSON: StoryCraft's `seconds` become `duration`; its
  size (WIDTHxHEIGHT) and format become `aspect_ratio` and `resolution` (the short side:
  1280x720 is "720p"). Where the model lists that very size in `GET /videos/models` (read
  once, kept ten minutes) `size` is sent instead, with the aspect ratio and resolution
  only where the model lists them too: exactly what it advertises. A value it does not
  take is refused by its 400, in its own words, and the order is refunded.
- Statuses: pending → queued, in_progress, completed; failed, cancelled and expired are
  failures with their own codes (expired: the output is gone, so the job is refunded). Any
  other value is an open enum's newcomer: logged, and taken as still running.
- OpenRouter reports no progress: a running job shows 0 % (a value it sends one day is
  used), and the poller's pace comes from the job's age, as without a hint elsewhere.
- The video is `GET /videos/{id}/content?index=0`, streamed. There is no thumbnail, no
  remix and no delete: capabilities, so nothing asks for them.
- `usage.cost` (USD) is kept on the answer as `cost_usd`.
- A picture to start from goes in `frame_images` as the `first_frame`, a `data:` URL (the
  only kind StoryCraft sends: nothing for OpenRouter to fetch from us).
"""

import base64
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

import httpx

from catalog.models import SIZE_PATTERN, format_of
from videos.provider.base import (
    ProviderNotFound,
    ProviderOutcomeUnknown,
    ProviderRejected,
    ProviderUnavailable,
    ProviderVideo,
)
from videos.provider.http import HTTPProvider, _timestamp

logger = logging.getLogger("videos.provider")

STATUSES = {"pending": "queued", "in_progress": "in_progress", "completed": "completed"}
# Ends other than success: (StoryCraft's error code, the message when OpenRouter gives none).
FAILURES = {
    "failed": ("generation_failed", "The provider could not generate this video."),
    "cancelled": ("provider_cancelled", "The provider cancelled this video."),
    "expired": ("expired", "The provider's copy expired before download."),
}
# How long the model list is trusted, and how soon a failed read is tried again.
MODELS_TTL_SECONDS = 600.0
MODELS_RETRY_SECONDS = 60.0


def resolution_of(size: str) -> str:
    """OpenRouter's resolution name for a size: its short side, e.g. 1280x720 → "720p"."""
    match = SIZE_PATTERN.match(size)
    if not match:
        raise ValueError(f"not a size: {size!r}")
    return f"{min(int(match['width']), int(match['height']))}p"


def shape_fields(size: str, aspect_ratio: str | None, model_info: dict | None) -> dict:
    """The submit body's `size`, `aspect_ratio` and `resolution` for one of our sizes.

    `model_info` is the model's entry in `GET /videos/models` (None: not known): a model
    that lists the size gets it, with the aspect ratio and resolution it also lists;
    otherwise the aspect ratio and resolution say the shape."""
    info = model_info or {}
    aspect_ratio = aspect_ratio or format_of(size)
    resolution = resolution_of(size)
    sizes = info.get("supported_sizes") or []
    if size not in sizes:
        return {"aspect_ratio": aspect_ratio, "resolution": resolution}
    fields = {"size": size}
    for name, value, listed in (
        ("aspect_ratio", aspect_ratio, info.get("supported_aspect_ratios")),
        ("resolution", resolution, info.get("supported_resolutions")),
    ):
        if listed and value in listed:
            fields[name] = value
    return fields


def _cost(usage) -> Decimal | None:
    if not isinstance(usage, dict):
        return None
    value = usage.get("cost")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        cost = Decimal(str(value))
    except InvalidOperation:
        return None
    return cost if cost.is_finite() and cost >= 0 else None


def _error_of(body: dict) -> tuple[str | None, str | None]:
    error = body.get("error")
    if isinstance(error, str):
        return None, error
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        return (
            code if isinstance(code, str) else None,
            message if isinstance(message, str) else None,
        )
    return None, None


def video_from(body: dict, *, request_id: str | None = None) -> ProviderVideo:
    """A `ProviderVideo` from OpenRouter's job object (a submit's or a status GET's answer);
    KeyError / TypeError / ValueError when it is not one."""
    provider_status = body["status"]
    if not isinstance(body["id"], str) or not isinstance(provider_status, str):
        raise TypeError("id and status must be strings")
    error_code = error_message = None
    if provider_status in FAILURES:
        status = "failed"
        default_code, default_message = FAILURES[provider_status]
        code, message = _error_of(body)
        # A failure's own code wins; cancelled and expired keep theirs (they decide a refund).
        error_code = (code if provider_status == "failed" else None) or default_code
        error_message = message or default_message
    elif provider_status in STATUSES:
        status = STATUSES[provider_status]
    else:
        logger.warning(
            "OpenRouter video %s has the unknown status %r: taken as still running",
            body["id"],
            provider_status,
        )
        status = "in_progress"
    progress = body.get("progress")
    progress = (
        int(progress) if isinstance(progress, int | float) and not isinstance(progress, bool) else 0
    )
    duration, model, size = body.get("duration"), body.get("model"), body.get("size")
    return ProviderVideo(
        id=body["id"],
        status=status,
        progress=max(0, min(progress, 100)),
        model=model if isinstance(model, str) else "",
        seconds=duration if isinstance(duration, int) and not isinstance(duration, bool) else 0,
        size=size if isinstance(size, str) else "",
        created_at=_timestamp(body.get("created_at")),
        completed_at=_timestamp(body.get("completed_at")),
        expires_at=_timestamp(body.get("expires_at")),
        error_code=error_code,
        error_message=error_message,
        poll_after_seconds=None,  # OpenRouter gives no hint
        request_id=request_id or body.get("generation_id") or None,
        cost_usd=_cost(body.get("usage")),
    )


def first_frame(png: bytes) -> dict:
    """A `frame_images` entry: the PNG as the video's first frame."""
    url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return {"type": "image_url", "image_url": {"url": url}, "frame_type": "first_frame"}


class OpenRouterVideoProvider(HTTPProvider):
    """A `VideoProvider` for OpenRouter's video API; one instance is shared per process."""

    supports_remix = False
    supports_delete = False
    serves_thumbnails = False

    def __init__(self, **options):
        super().__init__(**options)
        self._models_lock = threading.Lock()
        self._models: dict[str, dict] = {}
        self._models_until = 0.0

    def create(
        self,
        prompt: str,
        model: str,
        seconds: int,
        size: str,
        *,
        aspect_ratio: str | None = None,
        image: bytes | None = None,
    ) -> ProviderVideo:
        body = {
            "model": model,
            "prompt": prompt,
            "duration": seconds,
            **shape_fields(size, aspect_ratio, self.model_info(model)),
        }
        if image is not None:
            body["frame_images"] = [first_frame(image)]
        response = self._send("POST", "videos", idempotent=False, json=body)
        return self._video(response, outcome_unknown_if_garbled=True)

    def remix(self, provider_id: str, prompt: str) -> ProviderVideo:
        # Not reached: the catalog offers no remix on this protocol (supports_remix).
        raise ProviderRejected(
            "OpenRouter's video API has no remix.", status_code=400, code="remix_not_supported"
        )

    def retrieve(self, provider_id: str) -> ProviderVideo:
        return self._video(self._send("GET", f"videos/{provider_id}", idempotent=True))

    @contextmanager
    def stream_content(self, provider_id: str, variant: str = "video") -> Iterator[Iterator[bytes]]:
        """Yields an iterator of the MP4's byte chunks; the connection is released on exit."""
        if variant != "video":
            # Not reached for posters (serves_thumbnails): OpenRouter has only the video.
            raise ProviderNotFound(
                f"OpenRouter serves no {variant!r} variant", status_code=404, code="no_variant"
            )
        path = f"videos/{provider_id}/content"
        with self._attempts(
            "GET", path, idempotent=True, stream=True, params={"index": 0}
        ) as response:
            yield self._chunks(response)

    def delete(self, provider_id: str) -> None:
        """OpenRouter has no delete (supports_delete): nothing to send."""

    def model_info(self, model: str) -> dict | None:
        """The model's entry in `GET /videos/models` (None: not listed, or the list could
        not be read: then the order goes with aspect ratio and resolution)."""
        with self._models_lock:
            if time.monotonic() >= self._models_until:
                self._models, ok = self._read_models()
                wait = MODELS_TTL_SECONDS if ok else MODELS_RETRY_SECONDS
                self._models_until = time.monotonic() + wait
            return self._models.get(model)

    def _read_models(self) -> tuple[dict[str, dict], bool]:
        # One attempt, no retries: an order must not wait on a list it can do without.
        try:
            response = self._client.get("videos/models")
            response.raise_for_status()
            entries = response.json()["data"]
            return {
                entry["id"]: entry
                for entry in entries
                if isinstance(entry, dict) and isinstance(entry.get("id"), str)
            }, True
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            logger.warning("OpenRouter's model list could not be read: %r", error)
            return {}, False

    def _video(
        self, response: httpx.Response, *, outcome_unknown_if_garbled: bool = False
    ) -> ProviderVideo:
        request_id = response.headers.get("x-request-id")
        try:
            body = response.json()
            if not isinstance(body, dict):
                raise TypeError("not a job object")
            return video_from(body, request_id=request_id)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            error_class = (
                ProviderOutcomeUnknown if outcome_unknown_if_garbled else ProviderUnavailable
            )
            raise error_class(
                f"unreadable answer from the video provider: {error!r}", request_id=request_id
            ) from error
