"""The video provider: one shared client per process, built from settings.

from videos.provider import get_provider
video = get_provider().create(prompt, "sora-2", 4, "720x1280")
"""

import os
import threading

from django.conf import settings

from videos.provider.base import (
    ProviderError,
    ProviderNotFound,
    ProviderOutcomeUnknown,
    ProviderRejected,
    ProviderUnavailable,
    ProviderVideo,
    VideoProvider,
)
from videos.provider.openai import OpenAIVideoProvider

__all__ = [
    "OpenAIVideoProvider",
    "ProviderError",
    "ProviderNotFound",
    "ProviderOutcomeUnknown",
    "ProviderRejected",
    "ProviderUnavailable",
    "ProviderVideo",
    "VideoProvider",
    "build_provider",
    "get_provider",
    "reset_provider",
]

# The emulator accepts any key but, like OpenAI, refuses a request without one.
EMULATOR_API_KEY = "sk-emulator"

_lock = threading.Lock()
_shared: tuple[int, OpenAIVideoProvider] | None = None


def build_provider(**overrides) -> OpenAIVideoProvider:
    """A new client from settings; keyword arguments (base_url, read_timeout, ...) win."""
    options = {
        "base_url": settings.OPENAI_BASE_URL,
        "api_key": settings.OPENAI_API_KEY or EMULATOR_API_KEY,
        "auth_style": settings.OPENAI_AUTH_STYLE,
        "connect_timeout": settings.OPENAI_CONNECT_TIMEOUT,
        "read_timeout": settings.OPENAI_READ_TIMEOUT,
        "max_retries": settings.OPENAI_MAX_RETRIES,
    }
    options.update(overrides)
    return OpenAIVideoProvider(**options)


def get_provider() -> VideoProvider:
    """The process's shared client, so that connections are pooled across requests and tasks."""
    global _shared
    with _lock:
        # Keyed by pid: a client inherited through fork must not share sockets with its parent.
        if _shared is None or _shared[0] != os.getpid():
            _shared = (os.getpid(), build_provider())
        return _shared[1]


def reset_provider() -> None:
    """Forget the shared client (tests that change settings call this)."""
    global _shared
    with _lock:
        if _shared is not None and _shared[0] == os.getpid():
            _shared[1].close()
        _shared = None
