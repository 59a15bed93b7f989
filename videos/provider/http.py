"""What every provider protocol shares on httpx: the client, auth, timeouts, retries and
the classification of failures into `ProviderError`s. A protocol module (openai.py,
openrouter.py) subclasses `HTTPProvider` and says only what its requests and answers are.

Each attempt is sent once (`_send_once`); a failure is classified (`_no_answer` for a
request that got no answer, `_error_answer` for a failure status) into the error it ends
in (unavailable, outcome unknown, not found, rejected) and whether it may be retried; one
small policy (`_retry_delay`) decides whether and when to send again. Retries follow the
official OpenAI SDK: 408/409/429/5xx and connection errors, exponential backoff with
jitter, `retry-after-ms` / `retry-after` / `x-should-retry` honoured. A create is not
idempotent, so a read timeout on it is reported as outcome unknown rather than retried (a
retry could order, and pay for, a second video).

A status GET (`retrieve`, which the poller sends hundreds of times a second) goes
straight to httpcore's connection pool, the transport under httpx, skipping httpx's
URL/Request models: about half the CPU per request, which is what limits the poller on a
small machine (B3 in flight: without it the poller falls behind 5,000 jobs due every
10 s). Its answer is an `httpx.Response` and its failures httpx's errors, mapped by type
as httpx maps them, so everything after `_send_once` is the same code.
"""

import email.utils
import itertools
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import httpcore
import httpx

from videos.provider.base import (
    ProviderError,
    ProviderNotFound,
    ProviderOutcomeUnknown,
    ProviderRejected,
    ProviderUnavailable,
)

logger = logging.getLogger("videos.provider")

RETRYABLE_STATUSES = frozenset({408, 409, 429})
MAX_RETRY_AFTER = 60.0
# Connections per endpoint and process, on both paths (httpx's client, the status GETs').
LIMITS = httpx.Limits(max_connections=50, max_keepalive_connections=20)
# Failures before any byte reached the server: always safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# Set when this process is stopping (the poller, on SIGTERM): a retry's wait ends at once
# and the request gives up as unavailable, so Ctrl-C does not wait out a backoff against a
# provider that is gone (make run's emulator stops at the same moment).
stopping = threading.Event()


def _wait_to_retry(delay: float) -> None:
    if stopping.wait(delay):
        raise ProviderUnavailable("stopping: not retried")


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
        sleep: Callable[[float], None] = _wait_to_retry,
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
            limits=LIMITS,
        )
        self._fast = _StatusGetter.for_client(base_url, self._client)

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

    @contextmanager
    def _attempts(self, method: str, path: str, *, idempotent: bool, stream: bool, **kwargs):
        """The first successful response (streamed or read), after retries; else a typed error."""
        started = time.monotonic()
        for attempt in itertools.count():
            try:
                response = self._send_once(method, path, stream=stream, **kwargs)
            except httpx.TransportError as error:
                failure = _no_answer(error, f"{method} {path}", idempotent=idempotent)
            else:
                if response.is_success:
                    logger.debug(
                        "provider %s %s: %s (%s)",
                        method,
                        path,
                        response.status_code,
                        response.headers.get("x-request-id"),
                    )
                    try:
                        yield response
                    finally:
                        response.close()
                    return
                failure = _error_answer(response, f"{method} {path}", attempt=attempt)
            delay = self._retry_delay(failure, attempt, started)
            if delay is None:
                raise failure.error from failure.cause
            logger.info("provider %s %s: %s, retrying in %.2fs", method, path, failure, delay)
            self._sleep(delay)

    def _send_once(self, method: str, path: str, *, stream: bool, **kwargs) -> httpx.Response:
        """One request: its response (a failure status included), or an httpx.TransportError."""
        if self._fast is not None and method == "GET" and not stream and not kwargs:
            return self._fast.get(path)
        return self._client.send(self._client.build_request(method, path, **kwargs), stream=stream)

    def _retry_delay(self, failure: "_Failure", attempt: int, started: float) -> float | None:
        """The retry policy: seconds to wait before sending again, or None to give up."""
        if not failure.retryable or attempt >= self.max_retries:
            return None
        delay = failure.retry_after or self._backoff(attempt)
        if time.monotonic() - started + delay > self.retry_budget:
            return None
        return delay

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_initial * 2**attempt, self.backoff_max)
        return delay * (1 - 0.25 * random.random())


@dataclass(frozen=True)
class _Failure:
    """One attempt's failure: the error it ends in, unless it is retried."""

    error: ProviderError
    retryable: bool
    retry_after: float | None = None  # the server's wish, in seconds
    cause: BaseException | None = None

    def __str__(self) -> str:
        return repr(self.cause) if self.cause else f"HTTP {self.error.status_code}"


def _no_answer(error: httpx.TransportError, request: str, *, idempotent: bool) -> _Failure:
    """A request that got no answer: unavailable (retryable) when sending it again is safe,
    else outcome unknown: a create that reached the server may have ordered a video."""
    if idempotent or isinstance(error, _NOT_SENT):
        return _Failure(ProviderUnavailable(f"{request}: {error!r}"), retryable=True, cause=error)
    logger.warning("provider %s: no answer (%r)", request, error)
    unknown = ProviderOutcomeUnknown(f"{request}: sent, but no answer came ({error!r})")
    return _Failure(unknown, retryable=False, cause=error)


def _error_answer(response: httpx.Response, request: str, *, attempt: int) -> _Failure:
    """An answer with a failure status: retryable, unavailable, not found or refused."""
    response.read()
    response.close()
    status = response.status_code
    request_id = response.headers.get("x-request-id")
    message, code, param = _error_fields(response)
    retryable = _should_retry(response)
    logger.warning(
        "provider %s: %s %s (request %s, attempt %s)",
        request,
        status,
        code or message,
        request_id,
        attempt + 1,
    )
    # A refused key or region is our configuration, not the user's order; so is an upstream
    # account out of credits (OpenRouter's 402).
    error: ProviderError
    if retryable or status >= 500 or status in (401, 402, 403):
        error = ProviderUnavailable(message, status_code=status, request_id=request_id)
    else:
        # 410: OpenRouter's answer for content that expired.
        error_class = ProviderNotFound if status in (404, 410) else ProviderRejected
        error = error_class(
            message, status_code=status, code=code, param=param, request_id=request_id
        )
    return _Failure(error, retryable=retryable, retry_after=_retry_after(response))


# httpcore's errors as httpx's, by type (httpx maps them so in its own transport).
_HTTPX_ERROR_OF = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}
_HTTPCORE_ERRORS = tuple(_HTTPX_ERROR_OF)


class _StatusGetter:
    """Plain GETs (no body, no query, read whole) on httpcore's connection pool, the
    transport under httpx, answered as an `httpx.Response` and failing with httpx's errors.

    httpx's own models (its URL, Request and the client's merging of them) took half the
    CPU of a status GET, which is what limits the poller on a small machine. Same headers,
    timeouts, pool bounds and TLS trust as the provider's httpx client.
    """

    def __init__(self, client: httpx.Client):
        base = client.base_url
        self._scheme, self._host, self._port = base.raw_scheme, base.raw_host, base.port
        self._prefix = base.raw_path
        # The Host header as httpx sends it; accept-encoding too: httpx.Response decodes.
        self._headers = [(b"Host", base.netloc), *client.headers.raw]
        self._extensions = {"timeout": client.timeout.as_dict()}
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context() if base.scheme == "https" else None,
            max_connections=LIMITS.max_connections,
            max_keepalive_connections=LIMITS.max_keepalive_connections,
        )

    @classmethod
    def for_client(cls, base_url: str, client: httpx.Client) -> "_StatusGetter | None":
        """None where the client would not go straight to the host: a proxy from the
        environment (httpx's own rule decides, NO_PROXY included), or a base URL with a
        query, which httpx merges."""
        parts = urlsplit(base_url)
        if parts.query or parts.fragment:
            return None
        # httpx's private lookup of its mounts: pinned in requirements.txt, and
        # test_a_proxy_from_the_environment_or_a_query_keeps_httpx would see it change.
        if client._transport_for_url(client.base_url) is not client._transport:
            return None
        return cls(client)

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
        except _HTTPCORE_ERRORS as error:
            mapped = next(kind for kind in type(error).__mro__ if kind in _HTTPX_ERROR_OF)
            raise _HTTPX_ERROR_OF[mapped](str(error)) from error
        return httpx.Response(answer.status, headers=answer.headers, content=answer.content)

    def close(self) -> None:
        self._pool.close()
