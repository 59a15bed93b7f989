"""Video providers: one shared client per provider endpoint and process, of the class
its endpoint's protocol names (one module per protocol: openai.py, openrouter.py).

from videos.provider import get_provider
video = get_provider(job.endpoint).create(prompt, "sora-2", 4, "720x1280")
"""

import os
import threading
from dataclasses import asdict

from catalog.endpoints import EMULATOR_API_KEY, Connection, connection_of
from catalog.models import DEFAULT_ENDPOINT, Protocol, ProviderEndpoint
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
from videos.provider.openrouter import OpenRouterVideoProvider

# The concrete clients: HTTPProvider, their base, has the plumbing but not VideoProvider's methods.
ProviderClient = OpenAIVideoProvider | OpenRouterVideoProvider

PROVIDER_CLASSES: dict[str, type[ProviderClient]] = {
    Protocol.OPENAI: OpenAIVideoProvider,
    Protocol.OPENROUTER: OpenRouterVideoProvider,
}

__all__ = [
    "EMULATOR_API_KEY",
    "PROVIDER_CLASSES",
    "OpenAIVideoProvider",
    "OpenRouterVideoProvider",
    "ProviderError",
    "ProviderNotFound",
    "ProviderOutcomeUnknown",
    "ProviderRejected",
    "ProviderUnavailable",
    "ProviderVideo",
    "VideoProvider",
    "build_provider",
    "connection_of",
    "get_provider",
    "provider_class",
    "reset_provider",
]


def _default_endpoint() -> ProviderEndpoint:
    # Everything the default endpoint leaves blank comes from settings: no query needed.
    return ProviderEndpoint(name=DEFAULT_ENDPOINT)


def provider_class(protocol: str) -> type[ProviderClient]:
    """The client class of a protocol; its class attributes say what the protocol can do
    (`supports_remix`, `supports_delete`, `serves_thumbnails`), without a client."""
    try:
        return PROVIDER_CLASSES[protocol]
    except KeyError:
        raise ValueError(f"no provider speaks the protocol {protocol!r}") from None


def _client_for(connection: Connection, **overrides) -> ProviderClient:
    options = asdict(connection)
    options.update(overrides)
    return provider_class(options.pop("protocol"))(**options)


def build_provider(endpoint: ProviderEndpoint | None = None, **overrides) -> ProviderClient:
    """A new client for an endpoint (the default one when None); keyword arguments
    (protocol, base_url, read_timeout, ...) win."""
    return _client_for(connection_of(endpoint or _default_endpoint()), **overrides)


_lock = threading.Lock()
# endpoint name -> (pid, connection, client)
_shared: dict[str, tuple[int, Connection, ProviderClient]] = {}


def get_provider(endpoint: ProviderEndpoint | None = None) -> VideoProvider:
    """The process's shared client for this endpoint (the default one when None), so
    connections are pooled across requests and tasks. An endpoint edited in the admin
    gets a new client at once."""
    endpoint = endpoint or _default_endpoint()
    connection = connection_of(endpoint)
    with _lock:
        shared = _shared.get(endpoint.name)
        # Keyed by pid: a client inherited through fork must not share sockets with its parent.
        if shared is None or shared[0] != os.getpid() or shared[1] != connection:
            # The replaced client may still serve a request in another thread: left to GC.
            shared = (os.getpid(), connection, _client_for(connection))
            _shared[endpoint.name] = shared
        return shared[2]


def reset_provider() -> None:
    """Forget the shared clients (tests that change settings call this)."""
    with _lock:
        for pid, _, client in _shared.values():
            if pid == os.getpid():
                client.close()
        _shared.clear()
