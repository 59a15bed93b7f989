"""Emulated video jobs: validation of orders, and a job's state computed from the clock."""

import dataclasses
from dataclasses import dataclass

from sora_emulator.catalog import Models

MAX_PROMPT = 32000
EXPIRES_AFTER = 24 * 3600
SLOW_FACTOR = 5
# Share of the job spent queued, and where a [emulator:fail] job gives up.
QUEUED_SHARE = 0.1
FAIL_AT = 0.5


class ApiError(Exception):
    """An OpenAI-shaped error answer."""

    def __init__(self, status: int, message: str, *, param=None, code=None, headers=None):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code
        self.type = "invalid_request_error" if status < 500 else "server_error"
        self.headers = headers or {}

    def body(self) -> dict:
        error = {"message": self.message, "type": self.type, "param": self.param, "code": self.code}
        return {"error": error}


def _listing(values) -> str:
    quoted = [f"'{value}'" for value in values]
    return (
        ", ".join(quoted[:-1]) + f", and {quoted[-1]}" if len(quoted) > 2 else " and ".join(quoted)
    )


def invalid_value(param: str, value, supported) -> ApiError:
    return ApiError(
        400,
        f"Invalid value: '{value}'. Supported values are: {_listing(supported)}.",
        param=param,
        code="invalid_value",
    )


def _string(fields: dict, name: str, default: str | None) -> str | None:
    value = fields.get(name, default)
    if value is not None and not isinstance(value, str):
        kind = "an integer" if isinstance(value, int) else f"a {type(value).__name__}"
        raise ApiError(
            400,
            f"Invalid type for '{name}': expected a string, but got {kind} instead.",
            param=name,
            code="invalid_type",
        )
    return value


def validate_prompt(fields: dict) -> str:
    prompt = _string(fields, "prompt", None)
    if prompt is None:
        raise ApiError(
            400,
            "Missing required parameter: 'prompt'.",
            param="prompt",
            code="missing_required_parameter",
        )
    if not prompt:
        raise ApiError(
            400,
            "Invalid 'prompt': empty string. Expected a string with minimum length 1, "
            "but got an empty string instead.",
            param="prompt",
            code="empty_string",
        )
    if len(prompt) > MAX_PROMPT:
        raise ApiError(
            400,
            f"Invalid 'prompt': string too long. Expected a string with maximum length "
            f"{MAX_PROMPT}, but got a string with length {len(prompt)} instead.",
            param="prompt",
            code="string_above_max_length",
        )
    return prompt


def _supported(param: str, value, *, model: str, offered: tuple, field: str, models: Models):
    """Refuse a value the model does not offer; name a model that does, if one does."""
    if value in offered:
        return
    everywhere = list(dict.fromkeys(v for offer in models.values() for v in getattr(offer, field)))
    if value not in everywhere:
        raise invalid_value(param, value, everywhere)
    other = next(name for name, offer in models.items() if value in getattr(offer, field))
    extras = [v for v in getattr(models[other], field) if v not in offered]
    raise ApiError(
        400,
        f"Invalid value: '{value}'. Supported values for model '{model}' are: "
        f"{_listing(offered)}; {_listing(extras)} need{'s' if len(extras) == 1 else ''} {other}.",
        param=param,
        code="invalid_value",
    )


def model_id(name: str | None, models: Models) -> str | None:
    """The catalog id of a model name or alias, None when the catalog has no such model."""
    if name in models:
        return name
    return next((model for model, offer in models.items() if name in offer.aliases), None)


def validate_order(fields: dict, models: Models) -> tuple[str, str, str, str]:
    """(prompt, model, seconds, size) of a create request, or an ApiError.

    Omitted fields take the defaults: the catalog's first model, that model's first
    seconds and first size."""
    prompt = validate_prompt(fields)
    model = _string(fields, "model", next(iter(models)))
    found = model_id(model, models)
    if found is None:
        raise invalid_value("model", model, tuple(models))
    offer = models[found]
    seconds = fields.get("seconds", offer.seconds[0])
    if not isinstance(seconds, str):
        raise ApiError(
            400,
            f"Invalid type for 'seconds': expected one of {_listing(offer.seconds)}, "
            f"but got {type(seconds).__name__} instead.",
            param="seconds",
            code="invalid_type",
        )
    _supported(
        "seconds", seconds, model=model, offered=offer.seconds, field="seconds", models=models
    )
    size = _string(fields, "size", offer.sizes[0])
    _supported("size", size, model=model, offered=offer.sizes, field="sizes", models=models)
    return prompt, model, seconds, size


def marker(prompt: str, name: str) -> bool:
    return f"[emulator:{name}]" in prompt


@dataclass(frozen=True)
class Received:
    """What the request that made a job carried: fields exactly as sent (None when left
    out, and always for a remix's model, seconds and size), the auth header style
    (`bearer`, `api-key`, or `both`) and the base path (`/v1` or `/openai/v1`)."""

    prompt: str
    model: str | None
    seconds: str | None
    size: str | None
    auth: str
    base_path: str
    # OpenRouter side: the JSON body as sent, a data: URL shortened to its type, length and
    # sha256 (`data:image/png;base64,<1234 bytes sha256 ab12...>`).
    body: dict | None = None
    # The picture the order started from (`input_reference` or a `first_frame`): sha256 of
    # its bytes as sent.
    image: str | None = None


@dataclass
class Job:
    id: str
    prompt: str
    model: str
    seconds: str
    size: str
    created: float
    duration: float
    fails: bool
    expired_on_completion: bool
    received: Received
    remixed_from_video_id: str | None = None
    # Position in creation order, kept across restarts for the list endpoint.
    number: int = 0
    # A video.completed / video.failed event is owed (webhooks were on when it was made).
    webhook_pending: bool = False
    deleted: bool = False
    # `openai` or `openrouter`: the API it was made on and answers on.
    protocol: str = "openai"
    # OpenRouter side: its generation id, callback URL, `http://host:port` it was made
    # through (for `polling_url`), cost in USD (a decimal string) and [emulator:cancel].
    generation_id: str | None = None
    callback_url: str | None = None
    public_base: str = ""
    cost_usd: str | None = None
    cancelled: bool = False
    # The cached picture (sora_emulator.media.store_picture) its video starts on.
    first_frame: str | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Job":
        known = {item.name for item in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        return cls(**{**values, "received": Received(**values["received"])})

    @property
    def finishes_at(self) -> float:
        return self.created + (self.duration * FAIL_AT if self.fails else self.duration)

    def state(self, now: float) -> dict:
        """The Video object as it stands at `now`."""
        elapsed = now - self.created
        error = completed_at = expires_at = None
        if now >= self.finishes_at:
            if self.fails:
                status, progress = "failed", int(100 * FAIL_AT)
                error = {
                    "code": "generation_failed",
                    "message": "Video generation failed part-way (emulated failure).",
                }
            else:
                status, progress = "completed", 100
                completed_at = int(self.finishes_at)
                expires_at = (
                    completed_at if self.expired_on_completion else completed_at + EXPIRES_AFTER
                )
        elif elapsed < self.duration * QUEUED_SHARE:
            status, progress = "queued", 0
        else:
            status = "in_progress"
            share = (elapsed - self.duration * QUEUED_SHARE) / (self.duration * (1 - QUEUED_SHARE))
            progress = min(99, max(1, int(100 * share)))
        return {
            "id": self.id,
            "object": "video",
            "model": self.model,
            "status": status,
            "progress": progress,
            "created_at": int(self.created),
            "completed_at": completed_at,
            "expires_at": expires_at,
            "prompt": self.prompt,
            "seconds": self.seconds,
            "size": self.size,
            "remixed_from_video_id": self.remixed_from_video_id,
            "error": error,
        }
