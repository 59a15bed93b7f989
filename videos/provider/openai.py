"""The OpenAI Videos API (Sora 2) over httpx: OpenAI, Azure OpenAI v1 and compatible gateways.

Retries, timeouts and error classification are shared with every protocol (http.py).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from videos.provider.base import ProviderOutcomeUnknown, ProviderUnavailable, ProviderVideo
from videos.provider.http import HTTPProvider, _timestamp


class OpenAIVideoProvider(HTTPProvider):
    """A `VideoProvider` for the OpenAI Videos API; one instance is shared per process."""

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
        """`aspect_ratio` is not sent: the size says it. `image` (PNG, exactly `size`) goes
        as the `input_reference` file, the video's first frame."""
        fields = {"prompt": prompt, "model": model, "seconds": str(seconds), "size": size}
        # (None, value) parts make httpx send multipart/form-data without any file.
        parts: dict[str, tuple] = {name: (None, value) for name, value in fields.items()}
        if image is not None:
            parts["input_reference"] = ("input.png", image, "image/png")
        response = self._send("POST", "videos", idempotent=False, files=parts)
        return self._video(response, outcome_unknown_if_garbled=True)

    def remix(self, provider_id: str, prompt: str) -> ProviderVideo:
        """A new video from a completed one, with the same model, length and size."""
        response = self._send(
            "POST", f"videos/{provider_id}/remix", idempotent=False, json={"prompt": prompt}
        )
        return self._video(response, outcome_unknown_if_garbled=True)

    def retrieve(self, provider_id: str) -> ProviderVideo:
        return self._video(self._send("GET", f"videos/{provider_id}", idempotent=True))

    @contextmanager
    def stream_content(self, provider_id: str, variant: str = "video") -> Iterator[Iterator[bytes]]:
        """Yields an iterator of byte chunks; the connection is released on exit."""
        path = f"videos/{provider_id}/content"
        with self._attempts(
            "GET", path, idempotent=True, stream=True, params={"variant": variant}
        ) as response:
            yield self._chunks(response)

    def delete(self, provider_id: str) -> None:
        self._send("DELETE", f"videos/{provider_id}", idempotent=True)

    def _video(
        self, response: httpx.Response, *, outcome_unknown_if_garbled: bool = False
    ) -> ProviderVideo:
        request_id = response.headers.get("x-request-id")
        try:
            body = response.json()
            error = body.get("error") or {}
            poll_after = response.headers.get("openai-poll-after-ms")
            return ProviderVideo(
                id=body["id"],
                status=body["status"],
                progress=int(body.get("progress") or 0),
                model=body.get("model", ""),
                seconds=int(body.get("seconds") or 0),
                size=body.get("size", ""),
                created_at=_timestamp(body.get("created_at")),
                completed_at=_timestamp(body.get("completed_at")),
                expires_at=_timestamp(body.get("expires_at")),
                error_code=error.get("code"),
                error_message=error.get("message"),
                poll_after_seconds=float(poll_after) / 1000 if poll_after else None,
                request_id=request_id,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            error_class = (
                ProviderOutcomeUnknown if outcome_unknown_if_garbled else ProviderUnavailable
            )
            raise error_class(
                f"unreadable answer from the video provider: {error!r}", request_id=request_id
            ) from error
