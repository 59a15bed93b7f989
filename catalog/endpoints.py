"""How to reach a provider endpoint: its URL, auth and timeouts, with the key read from
the environment at the moment of use (so a rotated key needs no migration)."""

import logging
from dataclasses import dataclass

from django.conf import settings

from catalog.models import Protocol, ProviderEndpoint

logger = logging.getLogger(__name__)

# The emulator accepts any key but, like OpenAI, refuses a request without one.
EMULATOR_API_KEY = "sk-emulator"


@dataclass(frozen=True)
class Connection:
    """How to reach one endpoint, with its key read from the environment."""

    protocol: str
    base_url: str
    api_key: str
    auth_style: str
    connect_timeout: float
    read_timeout: float
    max_retries: int


def unset_key_warning(endpoint: ProviderEndpoint) -> str:
    """What the operator is told when the endpoint's key variable is unset ("" if it is set)."""
    variable = endpoint.missing_key_variable()
    if not variable:
        return ""
    return (
        f"{variable} is not set: the models of endpoint {endpoint.name} are not offered "
        "until it is, in the environment of the web server and the worker."
    )


def connection_of(endpoint: ProviderEndpoint) -> Connection:
    """The endpoint's settings; what the default endpoint leaves blank comes from OPENAI_*."""
    default = endpoint.is_default
    api_key = endpoint.api_key()
    if not api_key and endpoint.api_key_env:
        logger.warning(
            "endpoint %s: the variable %s holding its key is not set",
            endpoint,
            endpoint.api_key_env,
        )
    if default and not api_key:
        api_key = EMULATOR_API_KEY
    return Connection(
        protocol=endpoint.protocol or Protocol.OPENAI,
        base_url=endpoint.base_url or (settings.OPENAI_BASE_URL if default else ""),
        api_key=api_key,
        auth_style=endpoint.auth_style or (settings.OPENAI_AUTH_STYLE if default else "bearer"),
        connect_timeout=endpoint.connect_timeout or settings.OPENAI_CONNECT_TIMEOUT,
        read_timeout=endpoint.read_timeout or settings.OPENAI_READ_TIMEOUT,
        max_retries=(
            endpoint.max_retries
            if endpoint.max_retries is not None
            else settings.OPENAI_MAX_RETRIES
        ),
    )
