"""OpenRouter's video API under `/api/v1`, on the same jobs, catalog and timing as `/v1`.

Checked against openrouter.ai/docs ("Video Generation" guide, its "Webhooks" section, the
cookbook "Get Video Results with Webhooks") and the official `openrouter` SDK 1.3.84
(`components.VideoModel`, `VideoGenerationRequest`, `VideoGenerationResponse`, `FrameImage`):

- `GET /api/v1/videos/models` (no key needed) -> `{"data": [VideoModel]}`.
- `POST /api/v1/videos` (JSON, `Authorization: Bearer`) -> 202 `{id, polling_url, status:
  "pending", generation_id}`; ids look like `gen-vid-<unix seconds>-<20 alphanumerics>`.
- `GET /api/v1/videos/{id}` -> `{id, polling_url, status, generation_id, error?,
  unsigned_urls?, usage?: {cost, is_byok}}`; statuses `pending` -> `in_progress` ->
  `completed` | `failed` | `cancelled` | `expired`; `error` is a string.
- `GET /api/v1/videos/{id}/content?index=0` -> the MP4 (`video/mp4`); 409 before the job
  completed (or when it failed), 410 once expired, 404 for an unknown id.
- Errors are `{"error": {"code": <status>, "message": ...}}`; no key is a 401.
- Webhooks: when a job ends, a POST of `{type: "video.generation.<status>", created_at
  (ISO 8601, ms, Z), data: {id, status, generation_id, model, unsigned_urls?, usage?,
  error?}}` to the job's `callback_url`, else the workspace default
  (EMULATOR_OPENROUTER_WEBHOOK_URL), with `X-OpenRouter-Idempotency-Key: <job id>-<status>`
  and, with a signing secret (EMULATOR_OPENROUTER_WEBHOOK_SECRET), `X-OpenRouter-Signature:
  t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>,<raw body>" keyed by the secret's UTF-8
  bytes>` (the docs' "Verifying Signatures": "{timestamp},{raw_request_body} (joined with a
  comma)", hex digest, timestamps older than 5 minutes rejected).

What the emulator does beyond or instead of the real service:
- Prompt markers as on `/v1`: `[emulator:fail]` (failed part-way), `[emulator:cancel]`
  (cancelled part-way), `[emulator:expire]` (ends `expired` instead of completed, content
  410), `[emulator:slow]` (5x the job time), `[emulator:reject]` (400 at submit),
  `[emulator:429]` and `[emulator:500]` (the first submit of that prompt only),
  `[emulator:402]` (every submit: out of credits).
- `callback_url` may be `http://` (the real one must be https).
- Frame images must be `data:` URLs (PNG, JPEG or WebP, base64): the emulator has no
  internet; an https URL is a 400 saying so. The video starts on the `first_frame`.
- The size of an order: `size`, else the first configured size matching `resolution`
  and `aspect_ratio` (either may be left out), else the model's first size.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sora_emulator import media
from sora_emulator.catalog import FRAME_TYPES, ModelOffer, Models, aspect_ratio, resolution
from sora_emulator.jobs import MAX_PROMPT, ApiError, Job, marker
from sora_emulator.webhooks import WebhookScheduler, post_with_retries

BASE_PATH = "/api/v1"
ROUTE = re.compile(r"^/api/v1/videos(?:/(?P<id>[^/]+)(?P<rest>/content)?)?$")
DATA_URL = re.compile(r"^data:(?P<type>image/(?:png|jpeg|jpg|webp));base64,(?P<data>.*)$", re.S)
# When the models were "created" on OpenRouter's list: a fixed date, 2025-10-06.
MODELS_CREATED = 1759708800
TERMINAL = ("completed", "failed", "cancelled", "expired")
ERRORS = {
    "failed": "Video generation failed part-way (emulated failure).",
    "cancelled": "Job was cancelled",
    "expired": "Job exceeded maximum time to live",
}


class OpenRouterError(ApiError):
    """An OpenRouter-shaped error answer: `{"error": {"code": status, "message": ...}}`."""

    def body(self) -> dict:
        return {"error": {"code": self.status, "message": self.message}}


def bad_request(message: str) -> OpenRouterError:
    return OpenRouterError(400, message)


def _listing(values) -> str:
    return ", ".join(str(value) for value in values)


# The model list
def video_model(model_id: str, offer: ModelOffer) -> dict:
    """One entry of `GET /videos/models`, every field the SDK's VideoModel declares."""
    return {
        "id": model_id,
        "canonical_slug": model_id,
        "name": offer.name or model_id,
        "description": f"{offer.name or model_id}, played by the StoryCraft emulator.",
        "created": MODELS_CREATED,
        "supported_resolutions": list(dict.fromkeys(resolution(size) for size in offer.sizes)),
        "supported_aspect_ratios": list(dict.fromkeys(aspect_ratio(size) for size in offer.sizes)),
        "supported_sizes": list(offer.sizes),
        "supported_durations": [int(seconds) for seconds in offer.seconds],
        "supported_frame_images": list(offer.frame_images),
        "generate_audio": offer.generate_audio,
        "seed": offer.seed,
        "creativity": None,
        "upscale_factor": None,
        "hugging_face_id": None,
        "pricing_skus": offer.pricing_skus(),
        "allowed_passthrough_parameters": [],
    }


def models_list(models: Models) -> dict:
    return {"data": [video_model(model_id, offer) for model_id, offer in models.items()]}


# Submitting
@dataclass(frozen=True)
class Order:
    model: str  # the catalog id
    prompt: str
    seconds: str
    size: str
    first_frame: bytes | None
    callback_url: str | None
    body: dict  # as sent, data URLs shortened


def _model(fields: dict, models: Models) -> tuple[str, ModelOffer]:
    name = fields.get("model")
    if not isinstance(name, str) or not name:
        raise bad_request("'model' is required: the slug of a video model.")
    for model_id, offer in models.items():
        if name == model_id or name in offer.aliases:
            return model_id, offer
    raise OpenRouterError(
        404,
        f"Model '{name}' does not exist or does not support video generation. "
        f"Video models: {_listing(models)}.",
    )


def _prompt(fields: dict, has_frames: bool) -> str:
    prompt = fields.get("prompt")
    if prompt is None and has_frames:
        return ""
    if not isinstance(prompt, str) or not prompt:
        raise bad_request(
            "'prompt' is required (a non-empty string) unless frame_images are given."
        )
    if len(prompt) > MAX_PROMPT:
        raise bad_request(f"'prompt' is too long: {len(prompt)} characters, at most {MAX_PROMPT}.")
    return prompt


def _duration(fields: dict, model_id: str, offer: ModelOffer) -> str:
    duration = fields.get("duration")
    if duration is None:
        return offer.seconds[0]
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise bad_request(f"'duration' must be an integer number of seconds, got {duration!r}.")
    if str(duration) not in offer.seconds:
        raise bad_request(
            f"duration {duration} is not supported by {model_id}; "
            f"supported durations: {_listing(offer.seconds)}."
        )
    return str(duration)


def _size(fields: dict, model_id: str, offer: ModelOffer) -> str:
    size, res, aspect = (fields.get(name) for name in ("size", "resolution", "aspect_ratio"))
    for name, value in (("size", size), ("resolution", res), ("aspect_ratio", aspect)):
        if value is not None and not isinstance(value, str):
            raise bad_request(f"'{name}' must be a string, got {value!r}.")
    resolutions = list(dict.fromkeys(resolution(item) for item in offer.sizes))
    aspects = list(dict.fromkeys(aspect_ratio(item) for item in offer.sizes))
    if res is not None and res not in resolutions:
        raise bad_request(
            f"resolution '{res}' is not supported by {model_id}; "
            f"supported resolutions: {_listing(resolutions)}."
        )
    if aspect is not None and aspect not in aspects:
        raise bad_request(
            f"aspect_ratio '{aspect}' is not supported by {model_id}; "
            f"supported aspect ratios: {_listing(aspects)}."
        )
    if size is not None:
        if size not in offer.sizes:
            raise bad_request(
                f"size '{size}' is not supported by {model_id}; "
                f"supported sizes: {_listing(offer.sizes)}."
            )
        if (res is not None and res != resolution(size)) or (
            aspect is not None and aspect != aspect_ratio(size)
        ):
            raise bad_request(
                f"size '{size}' is {resolution(size)} {aspect_ratio(size)}; it contradicts "
                f"the resolution or aspect_ratio also given."
            )
        return size
    for candidate in offer.sizes:
        if res in (None, resolution(candidate)) and aspect in (None, aspect_ratio(candidate)):
            return candidate
    raise bad_request(
        f"{model_id} has no {res} size in {aspect}; supported sizes: {_listing(offer.sizes)}."
    )


def _frames(fields: dict, model_id: str, offer: ModelOffer) -> tuple[dict, dict[str, bytes]]:
    """The frame images by frame type, and the body's copy with data URLs shortened."""
    frames = fields.get("frame_images")
    if frames is None:
        return {}, {}
    if not isinstance(frames, list):
        raise bad_request("'frame_images' must be a list.")
    pictures, shown = {}, []
    for number, frame in enumerate(frames):
        where = f"frame_images[{number}]"
        image_url = frame.get("image_url") if isinstance(frame, dict) else None
        url = image_url.get("url") if isinstance(image_url, dict) else None
        frame_type = frame.get("frame_type") if isinstance(frame, dict) else None
        if (
            not isinstance(frame, dict)
            or frame.get("type") != "image_url"
            or not isinstance(url, str)
            or frame_type not in FRAME_TYPES
        ):
            raise bad_request(
                f"{where} must be {{'type': 'image_url', 'image_url': {{'url': ...}}, "
                f"'frame_type': 'first_frame' | 'last_frame'}}."
            )
        if frame_type not in offer.frame_images:
            supported = _listing(offer.frame_images) or "none"
            raise bad_request(
                f"{model_id} does not support frame_type '{frame_type}' "
                f"(supported frame images: {supported})."
            )
        if frame_type in pictures:
            raise bad_request(f"{where}: a second '{frame_type}'.")
        match = DATA_URL.match(url)
        if not match:
            raise bad_request(
                f"{where}: the emulator cannot fetch image URLs (it has no internet); send "
                f"the picture as a data: URL (data:image/png;base64,...)."
            )
        try:
            data = base64.b64decode(match["data"], validate=True)
        except (binascii.Error, ValueError):
            raise bad_request(f"{where}: the data: URL is not valid base64.") from None
        try:
            media.decode_picture(data)
        except media.PictureError as error:
            raise bad_request(f"{where}: {error}") from None
        pictures[frame_type] = data
        digest = hashlib.sha256(data).hexdigest()
        short = f"data:{match['type']};base64,<{len(data)} bytes sha256 {digest}>"
        shown.append({**frame, "image_url": {**image_url, "url": short}})
    return {"frame_images": shown}, pictures


def validate_order(fields: dict, models: Models) -> Order:
    """The order of a submit body, or an OpenRouterError (400, or 404 for a model)."""
    model_id, offer = _model(fields, models)
    frames_shown, pictures = _frames(fields, model_id, offer)
    prompt = _prompt(fields, bool(pictures))
    seconds = _duration(fields, model_id, offer)
    size = _size(fields, model_id, offer)
    callback_url = fields.get("callback_url")
    if callback_url is not None and not (
        isinstance(callback_url, str) and re.match(r"^https?://[^/\s]+", callback_url)
    ):
        raise bad_request(f"'callback_url' must be an https URL, got {callback_url!r}.")
    for name, kind in (("generate_audio", bool), ("seed", int)):
        value = fields.get(name)
        if value is not None and (not isinstance(value, kind) or (kind is int and value is True)):
            raise bad_request(f"'{name}' must be {'a boolean' if kind is bool else 'an integer'}.")
    return Order(
        model=model_id,
        prompt=prompt,
        seconds=seconds,
        size=size,
        first_frame=pictures.get("first_frame"),
        callback_url=callback_url,
        body={**fields, **frames_shown},
    )


def check_markers(prompt: str, store) -> None:
    """Refusals at submit that prompt markers ask for."""
    if marker(prompt, "reject"):
        raise bad_request("Your request was blocked by the provider's content moderation.")
    if marker(prompt, "402"):
        raise OpenRouterError(
            402, "Insufficient credits. Add more using https://openrouter.ai/settings/credits"
        )
    if marker(prompt, "429") and store.first_attempt("429", prompt):
        raise OpenRouterError(
            429, "Rate limit exceeded, retry shortly.", headers={"retry-after": "1"}
        )
    if marker(prompt, "500") and store.first_attempt("500", prompt):
        raise OpenRouterError(500, "Internal Server Error")


# A job as OpenRouter shows it
def status(job: Job, now: float) -> str:
    openai_status = job.state(now)["status"]
    if openai_status == "queued":
        return "pending"
    if openai_status == "completed":
        return "expired" if job.expired_on_completion else "completed"
    if openai_status == "failed":
        return "cancelled" if job.cancelled else "failed"
    return openai_status


def polling_url(job: Job) -> str:
    return f"{job.public_base}{BASE_PATH}/videos/{job.id}"


def content_url(job: Job) -> str:
    return f"{polling_url(job)}/content?index=0"


def usage(job: Job) -> dict:
    return {"cost": float(Decimal(job.cost_usd or "0")), "is_byok": False}


def response(job: Job, now: float) -> dict:
    current = status(job, now)
    answer = {
        "id": job.id,
        "polling_url": polling_url(job),
        "status": current,
        "generation_id": job.generation_id,
    }
    if current in ERRORS:
        answer["error"] = ERRORS[current]
    if current == "completed":
        answer["unsigned_urls"] = [content_url(job)]
        answer["usage"] = usage(job)
    return answer


# Webhooks
def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-OpenRouter-Signature` value: t=<ts>,v1=hex(HMAC-SHA256("<ts>," + body))."""
    digest = hmac.new(secret.encode(), f"{timestamp},".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def event_for(job: Job) -> dict:
    current = status(job, max(time.time(), job.finishes_at))
    data = {"id": job.id, "status": current, "generation_id": job.generation_id, "model": job.model}
    if current == "completed":
        data["unsigned_urls"] = [content_url(job)]
        data["usage"] = usage(job)
    else:
        data["error"] = ERRORS[current]
    created = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"type": f"video.generation.{current}", "created_at": created, "data": data}


def deliver(url: str, secret: str, event: dict) -> bool:
    """POST the event, retrying a non-2xx answer a few times with the same idempotency key."""
    body = json.dumps(event).encode()
    key = f"{event['data']['id']}-{event['data']['status']}"

    def headers() -> dict[str, str]:
        headers = {"content-type": "application/json", "x-openrouter-idempotency-key": key}
        if secret:
            headers["x-openrouter-signature"] = sign(secret, int(time.time()), body)
        return headers

    return post_with_retries(url, body, headers, label=f"OpenRouter webhook {key}")


class OpenRouterWebhooks(WebhookScheduler):
    """Events of OpenRouter-side jobs: to their callback_url, else the default URL."""

    def wants(self, job) -> bool:
        return bool(job.callback_url or self.url)

    def send(self, job) -> None:
        deliver(job.callback_url or self.url, self.secret, event_for(job))
