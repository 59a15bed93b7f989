"""Reading a provider's list of models over HTTP, for the catalog sync.

OpenRouter's `GET {base}/videos/models` says what each video model accepts and costs; an
OpenAI-protocol gateway's `GET {base}/models` (LiteLLM's, say) gives the ids only.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

from catalog.endpoints import connection_of
from catalog.models import Protocol, ProviderEndpoint, format_of
from catalog.pricing import size_of, upstream_usd_per_second

# A list of video models is small; a larger answer is not one.
MAX_LIST_BYTES = 5 * 1024 * 1024


class ModelListError(Exception):
    """The provider's model list could not be read; nothing in the catalog changes."""


@dataclass(frozen=True)
class UpstreamSize:
    size: str
    format: str
    usd_per_second: Decimal | None


@dataclass(frozen=True)
class UpstreamModel:
    """A model as its provider lists it. Ids-only lists leave everything else empty."""

    id: str
    name: str = ""
    durations: tuple[int, ...] = ()
    sizes: tuple[UpstreamSize, ...] = ()
    image_input: bool = False
    pricing: dict = field(default_factory=dict)

    def size(self, size: str) -> UpstreamSize | None:
        return next((offer for offer in self.sizes if offer.size == size), None)


def can_list_models(endpoint: ProviderEndpoint) -> bool:
    """OpenRouter always lists its models; an OpenAI-protocol endpoint only if it is a
    gateway that does (OpenAI's own list is every model it has, chat ones included)."""
    return endpoint.protocol == Protocol.OPENROUTER or endpoint.syncs.filter(error="").exists()


def list_models(endpoint: ProviderEndpoint) -> list[UpstreamModel]:
    """The endpoint's models now. Raises ModelListError when the list can't be read."""
    openrouter = endpoint.protocol == Protocol.OPENROUTER
    body = _get_json(endpoint, "/videos/models" if openrouter else "/models")
    entries = body.get("data") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        raise ModelListError('the answer has no "data" list of models')
    models: dict[str, UpstreamModel] = {}
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"].strip():
            model = _openrouter_model(entry) if openrouter else UpstreamModel(id=entry["id"])
            models.setdefault(model.id, model)
    return list(models.values())


def _get_json(endpoint: ProviderEndpoint, path: str):
    connection = connection_of(endpoint)
    if not connection.base_url:
        raise ModelListError("the endpoint has no base URL")
    headers = {"Accept": "application/json"}
    # OpenRouter's list needs no key; it is sent when there is one, as a gateway wants it.
    if connection.api_key:
        if connection.auth_style == "api-key":
            headers["api-key"] = connection.api_key
        else:
            headers["Authorization"] = f"Bearer {connection.api_key}"
    url = connection.base_url.rstrip("/") + path
    timeout = httpx.Timeout(connection.read_timeout, connect=connection.connect_timeout)
    try:
        with (
            httpx.Client(timeout=timeout, headers=headers) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                response.read()
                raise ModelListError(
                    f"GET {url} answered {response.status_code}: {response.text[:200]}"
                )
            content = bytearray()
            for chunk in response.iter_bytes():
                content += chunk
                if len(content) > MAX_LIST_BYTES:
                    raise ModelListError(f"GET {url}: the list is over {MAX_LIST_BYTES} bytes")
            return json.loads(content)
    except httpx.HTTPError as error:
        raise ModelListError(f"GET {url} failed: {error}") from None
    except ValueError:
        raise ModelListError(f"GET {url} did not answer JSON") from None


def _strings(value) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _openrouter_model(entry: dict) -> UpstreamModel:
    pricing = entry.get("pricing_skus")
    pricing = pricing if isinstance(pricing, dict) else {}
    durations = entry.get("supported_durations")
    durations = sorted(
        {
            value
            for value in (durations if isinstance(durations, list) else [])
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 600
        }
    )
    sizes: dict[str, str] = {}
    listed = _strings(entry.get("supported_sizes"))
    if listed:
        for size in listed:
            try:
                sizes.setdefault(size, format_of(size))
            except ValueError:
                continue
    else:
        # Aspects by resolutions, each a WIDTHxHEIGHT of that aspect (16:9 at 720p: 1280x720).
        for resolution in _strings(entry.get("supported_resolutions")):
            for aspect in _strings(entry.get("supported_aspect_ratios")):
                wxh = size_of(aspect, resolution)
                if wxh and len(wxh) <= 16:
                    sizes.setdefault(wxh, aspect)
    name = entry.get("name")
    name = name if isinstance(name, str) else ""
    return UpstreamModel(
        id=entry["id"].strip(),
        name=(name.strip() or entry["id"].strip())[:100],
        durations=tuple(durations),
        sizes=tuple(
            UpstreamSize(
                size=size, format=format_, usd_per_second=upstream_usd_per_second(pricing, size)
            )
            for size, format_ in sizes.items()
        ),
        image_input="first_frame" in _strings(entry.get("supported_frame_images")),
        pricing={str(key): str(value) for key, value in pricing.items()},
    )
