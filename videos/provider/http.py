"""What every provider protocol shares on httpx: the client, auth, timeouts, retries and
the classification of failures into `ProviderError`s. A protocol module (openai.py,
openrouter.py) subclasses `HTTPProvider` and says only what its requests and answers are.

Retries follow the official OpenAI SDK: 408/409/429/5xx and connection errors, exponential
backoff with jitter, `retry-after-ms` / `retry-after` / `x-should-retry` honoured.
A create is not idempotent, so a read timeout on it is reported as outcome unknown
rather than retried (a retry could order, and pay for, a second video).

A status GET (`retrieve`, which the poller sends hundreds of times a second) goes
straight to httpcore's connection pool, the transport under httpx, skipping httpx's
URL/Request models: about half the CPU per request, which is what limits the poller on a
small machine. Its answer is an `httpx.Response` and its failures httpx's, so the retry
loop and every decision after it are one.
"""

import email.utils
import json
import logging
import random
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import httpcore
import httpx

from videos.provider.base import (
    ProviderNotFound,
    ProviderOutcomeUnknown,
    ProviderRejected,
    ProviderUnavailable,
)

logger = logging.getLogger("videos.provider")

RETRYABLE_STATUSES = frozenset({408, 409, 429})
MAX_RETRY_AFTER = 60.0
CHUNK_SIZE = 256 * 1024
# Failures before any byte reached the server: always safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# What a path may keep unescaped, as httpx leaves it (RFC 3986 pchar and "/").
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def _timestamp(value) -> datetime | None:
    """A moment from Unix seconds or an ISO 8601 text (None when neither)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _seconds_until(http_date: str) -> float | None:
    try:
        moment = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - datetime.now(UTC)).total_seconds()


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait, or None when absent, unreadable or too long."""
    delay = None
    if milliseconds := response.headers.get("retry-after-ms"):
        try:
            delay = float(milliseconds) / 1000
        except ValueError:
            delay = None
    if delay is None and (header := response.headers.get("retry-after")):
        try:
            delay = float(header)
        except ValueError:
            delay = _seconds_until(header)
    if delay is None or not 0 < delay <= MAX_RETRY_AFTER:
        return None
    return delay


def _should_retry(response: httpx.Response) -> bool:
    forced = response.headers.get("x-should-retry", "").lower()
    if forced in ("true", "false"):
        return forced == "true"
    return response.status_code in RETRYABLE_STATUSES or response.status_code >= 500


def _error_fields(response: httpx.Response) -> tuple[str, str | None, str | None]:
    """The error's message, code and param. OpenAI's codes are words; OpenRouter's error
    code is the HTTP status again (a number), which says nothing more: dropped."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    error = _upstream_error(error) or error
    message = error.get("message") or f"HTTP {response.status_code} from the video provider"
    code = error.get("code")
    param = error.get("param")
    return (
        str(message),
        code if isinstance(code, str) else None,
        param if isinstance(param, str) else None,
    )


def _upstream_error(error: dict) -> dict | None:
    """The provider's own error, when a gateway wrapped it into its message (LiteLLM:
    "litellm.BadRequestError: OpenAIException - {"error": {...}} LiteLLM: ..."), so users
    see the provider's words and code, not the gateway's plumbing."""
    message = error.get("message")
    if not isinstance(message, str) or (start := message.find('{"error"')) < 0:
        return None
    try:
        inner, _ = json.JSONDecoder().raw_decode(message[start:])
    except ValueError:
        return None
    inner = inner.get("error") if isinstance(inner, dict) else None
    return inner if isinstance(inner, dict) and inner.get("message") else None


class HTTPProvider:
    """The httpx plumbing of a `VideoProvider`; one instance is shared per process and
    endpoint. Subclasses implement the interface with `_send` and `_attempts`, and say
    what their protocol can do (`supports_remix`, `supports_delete`, `serves_thumbnails`):
    the catalog and the lifecycle ask these instead of provoking an error."""

    supports_remix = True
    supports_delete = True
    serves_thumbnails = True

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        auth_style: str = "bearer",
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        max_retries: int = 3,
        retry_budget: float = 20.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if auth_style not in ("bearer", "api-key"):
            raise ValueError(f"auth_style must be 'bearer' or 'api-key', not {auth_style!r}")
        if not api_key:
            auth = {}  # a gateway that wants no key
        elif auth_style == "bearer":
            auth = {"authorization": f"Bearer {api_key}"}
        else:
            auth = {"api-key": api_key}
        self.max_retries = max_retries
        # Retries (waits included) stop after this many seconds: a web request that orders
        # a video must answer well within the server's timeout.
        self.retry_budget = retry_budget
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers={**auth, "user-agent": "StoryCraft"},
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )
        self._fast = _StatusGetter.for_url(
            base_url, headers=self._client.headers, timeout=self._client.timeout
        )

    def close(self) -> None:
        self._client.close()
        if self._fast is not None:
            self._fast.close()

    def _chunks(self, response: httpx.Response) -> Iterator[bytes]:
        # As they arrive (up to 64 KiB): asking httpx for larger ones copies every byte
        # twice more to regroup them, which cost a download 30-40 % of its time (B4).
        try:
            yield from response.iter_bytes()
        except httpx.TransportError as error:
            raise ProviderUnavailable(
                f"download interrupted: {error!r}", request_id=response.headers.get("x-request-id")
            ) from error

    def _send(self, method: str, path: str, *, idempotent: bool, **kwargs) -> httpx.Response:
        with self._attempts(
            method, path, idempotent=idempotent, stream=False, **kwargs
        ) as response:
            return response

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_initial * 2**attempt, self.backoff_max)
        return delay * (1 - 0.25 * random.random())

    @contextmanager
    def _attempts(self, method: str, path: str, *, idempotent: bool, stream: bool, **kwargs):
        """The first successful response (streamed or read), after retries; else a typed error."""
        started = time.monotonic()

        def out_of_budget(delay: float) -> bool:
            return time.monotonic() - started + delay > self.retry_budget

        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                if self._fast is not None and method == "GET" and not stream and not kwargs:
                    response = self._fast.get(path)
                else:
                    request = self._client.build_request(method, path, **kwargs)
                    response = self._client.send(request, stream=stream)
            except httpx.TransportError as error:
                sent = not isinstance(error, _NOT_SENT)
                if sent and not idempotent:
                    logger.warning("provider %s %s: no answer (%r)", method, path, error)
                    raise ProviderOutcomeUnknown(
                        f"{method} {path}: sent, but no answer came ({error!r})"
                    ) from error
                delay = self._backoff(attempt)
                if last or out_of_budget(delay):
                    raise ProviderUnavailable(f"{method} {path}: {error!r}") from error
                logger.info("provider %s %s: %r, retrying in %.2fs", method, path, error, delay)
                self._sleep(delay)
                continue
            request_id = response.headers.get("x-request-id")
            if response.is_success:
                logger.debug(
                    "provider %s %s: %s (%s)", method, path, response.status_code, request_id
                )
                try:
                    yield response
                finally:
                    response.close()
                return
            if stream:
                response.read()
            response.close()
            status = response.status_code
            message, code, param = _error_fields(response)
            retry = _should_retry(response)
            logger.warning(
                "provider %s %s: %s %s (request %s, attempt %s)",
                method,
                path,
                status,
                code or message,
                request_id,
                attempt + 1,
            )
            delay = _retry_after(response) or self._backoff(attempt)
            if retry and not last and not out_of_budget(delay):
                self._sleep(delay)
                continue
            # A refused key or region is our configuration, not the user's order; so is an
            # upstream account out of credits (OpenRouter's 402).
            if retry or status >= 500 or status in (401, 402, 403):
                raise ProviderUnavailable(message, status_code=status, request_id=request_id)
            # 410: OpenRouter's answer for content that expired.
            error_class = ProviderNotFound if status in (404, 410) else ProviderRejected
            raise error_class(
                message, status_code=status, code=code, param=param, request_id=request_id
            )


class _StatusGetter:
    """Plain GETs (no body, no query, read whole) on httpcore's connection pool, the
    transport under httpx, answered as an `httpx.Response`.

    httpx's own models (its URL, Request and the client's merging of them) took half the
    CPU of a status GET, which is what limits the poller on a small machine. Same headers,
    timeouts, pool bounds and TLS trust as the provider's httpx client; httpcore's errors
    are raised as the httpx errors of the same name, as httpx itself maps them.
    """

    def __init__(self, base_url: str, *, headers: httpx.Headers, timeout: httpx.Timeout):
        base = httpx.URL(base_url.rstrip("/") + "/")
        self._scheme, self._host, self._port = base.raw_scheme, base.raw_host, base.port
        self._prefix = base.raw_path
        host = base.netloc  # the Host header, as httpx sends it
        self._headers = [(b"Host", host), *headers.raw]  # accept-encoding: httpx decodes
        self._extensions = {"timeout": timeout.as_dict()}
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context() if base.scheme == "https" else None,
            max_connections=50,
            max_keepalive_connections=20,
        )

    @classmethod
    def for_url(cls, base_url: str, **options) -> "_StatusGetter | None":
        """None when a proxy from the environment applies (httpx honours it) or the base URL
        carries a query: httpx asks then, as before."""
        parts = urlsplit(base_url)
        if parts.query or parts.fragment:
            return None
        proxies = urllib.request.getproxies()
        if (proxies.get(parts.scheme) or proxies.get("all")) and not urllib.request.proxy_bypass(
            parts.hostname or ""
        ):
            return None
        return cls(base_url, **options)

    def get(self, path: str) -> httpx.Response:
        url = httpcore.URL(
            scheme=self._scheme,
            host=self._host,
            port=self._port,
            target=self._prefix + quote(path, safe=_PATH_SAFE).encode("ascii"),
        )
        try:
            answer = self._pool.request(
                "GET", url, headers=self._headers, extensions=self._extensions
            )
        except Exception as error:
            # As httpx maps them: each httpcore error becomes the httpx error of its name.
            theirs = type(error)
            ours = getattr(httpx, theirs.__name__, None)
            if not theirs.__module__.startswith("httpcore") or ours is None:
                raise
            raise ours(str(error)) from error
        return httpx.Response(answer.status, headers=answer.headers, content=answer.content)

    def close(self) -> None:
        self._pool.close()
