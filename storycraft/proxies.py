"""Which client a request comes from, believing X-Forwarded-For only from trusted proxies.

One setting, TRUSTED_PROXIES (IPs or networks, none by default), decides for every layer:
uvicorn's forwarded_allow_ips (live.worker), so REMOTE_ADDR under gunicorn is already the
client, and the throttles' client IP here, which does the same walk for a request that
did not come through uvicorn (runserver, the test client). A header from anyone else,
loopback included, is ignored: otherwise any client could pick its own throttle key.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from rest_framework import throttling

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=1)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    # Settings checked every value at startup.
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in _trusted(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str:
    """REMOTE_ADDR, or when that is a trusted proxy the nearest untrusted X-Forwarded-For
    address (each proxy appends the address it saw, so the list is read from the right)."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not is_trusted(remote):
        return remote
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([hop for hop in forwarded if hop]):
        if not is_trusted(hop):
            return hop
    return remote


class ClientIPMixin:
    """For DRF throttles: the client's address as above instead of DRF's NUM_PROXIES."""

    def get_ident(self, request) -> str:
        return client_ip(request)


class ScopedRateThrottle(ClientIPMixin, throttling.ScopedRateThrottle):
    pass
