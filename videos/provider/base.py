"""The provider interface: what StoryCraft needs from a video generation service.

Another protocol is added as one module implementing `VideoProvider`.
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class ProviderVideo:
    """A provider's job as last seen; `poll_after_seconds` is its hint for the next poll."""

    id: str
    status: str  # queued | in_progress | completed | failed
    progress: int
    model: str
    seconds: int
    size: str
    created_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime | None
    error_code: str | None
    error_message: str | None
    poll_after_seconds: float | None
    request_id: str | None
    # What the provider says it charged (OpenRouter's usage.cost, USD); None: not reported.
    cost_usd: Decimal | None = None

    @property
    def is_finished(self) -> bool:
        return self.status in ("completed", "failed")


class ProviderError(Exception):
    """Anything that went wrong talking to the provider."""

    def __init__(
        self, message: str, *, status_code: int | None = None, request_id: str | None = None
    ):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.request_id = request_id


class ProviderRejected(ProviderError):
    """A definite refusal (4xx): the request was invalid or against policy; don't retry."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
    ):
        super().__init__(message, status_code=status_code, request_id=request_id)
        self.code = code
        self.param = param


class ProviderNotFound(ProviderRejected):
    """404: the provider does not know this id, or its content is gone."""


class ProviderUnavailable(ProviderError):
    """Retries exhausted on 408/409/429/5xx or connection errors; the request did not succeed."""


class ProviderOutcomeUnknown(ProviderError):
    """The request was sent but no answer came: a video may or may not have been created."""


class VideoProvider(Protocol):
    """What a protocol can't do is a capability, consulted before asking: the catalog
    offers no remix where `supports_remix` is false, the lifecycle skips the provider's
    deletion where `supports_delete` is false, and posters come from the video's first
    frame where `serves_thumbnails` is false."""

    supports_remix: bool
    supports_delete: bool
    serves_thumbnails: bool

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
        """`size` is WIDTHxHEIGHT; `aspect_ratio` its catalog format (e.g. "16:9");
        `image` the PNG the video starts on (its first frame), exactly `size`."""
        ...

    def remix(self, provider_id: str, prompt: str) -> ProviderVideo: ...

    def retrieve(self, provider_id: str) -> ProviderVideo: ...

    def stream_content(
        self, provider_id: str, variant: str = "video"
    ) -> AbstractContextManager[Iterator[bytes]]: ...

    def delete(self, provider_id: str) -> None: ...
