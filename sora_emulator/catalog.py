"""The models the emulator offers, each with its durations and sizes: Sora 2 unless configured.

The configuration is a JSON object of model id to offer. The first model is the default
model, and the first of a model's `seconds` and of its `sizes` are its defaults::

    {"veo-3.1-fast": {"seconds": ["5", "10"], "sizes": ["1344x768", "768x1344", "768x768"]}}

Optional fields of a model:
- `aliases`: other names accepted for it, such as dated snapshots.
- `usd_per_second`: its price, a decimal (string or number) for every size, or an object of
  size to price (then every size needs one). Default 0.10. It is what OpenRouter's model
  list publishes as `pricing_skus` (see `pricing_skus` below) and what a job's
  `usage.cost` is computed from (price of its size x its seconds).
- `frame_images`: which frame pictures it takes, from `first_frame` and `last_frame`;
  default `["first_frame"]` (every model can start from a picture, as Sora 2 can with
  `input_reference`); `[]` refuses pictures on both protocols.
- `name` (display name, default the id), `generate_audio` (default true), `seed` (default
  false): shown as such in OpenRouter's model list.

The same configuration feeds both protocols: OpenAI's `/v1/videos` and OpenRouter's
`/api/v1/videos/models`, where sizes also appear as resolutions (`720p` = the shorter
side) and aspect ratios (the nearest of OpenRouter's list, e.g. 1792x1024 is 16:9).
"""

import json
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

SIZE = re.compile(r"^([1-9][0-9]*)x([1-9][0-9]*)$")
SECONDS = re.compile(r"^[1-9][0-9]*$")
# The MP4 is H.264 4:2:0, which needs even sides; the spritesheet's quarter tiles need 16.
MIN_SIDE, MAX_SIDE = 16, 8192
MAX_SECONDS = 600
FIELDS = (
    "seconds",
    "sizes",
    "aliases",
    "usd_per_second",
    "frame_images",
    "name",
    "generate_audio",
    "seed",
)
FRAME_TYPES = ("first_frame", "last_frame")
DEFAULT_USD_PER_SECOND = Decimal("0.10")
# OpenRouter's aspect ratios; a size shows as the nearest one.
ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21")


class ConfigError(ValueError):
    """The model catalog's configuration is malformed."""


@dataclass(frozen=True)
class ModelOffer:
    """What one model accepts: `seconds` as strings, sizes as `WIDTHxHEIGHT`."""

    seconds: tuple[str, ...]
    sizes: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    # (size, USD per second as a decimal string) for every size; empty: the default price.
    usd_per_second: tuple[tuple[str, str], ...] = ()
    frame_images: tuple[str, ...] = ("first_frame",)
    name: str = ""  # empty: the model id
    generate_audio: bool = True
    seed: bool = False

    def price(self, size: str) -> Decimal:
        """USD per second of video at this size."""
        return Decimal(dict(self.usd_per_second).get(size, DEFAULT_USD_PER_SECOND))

    def cost(self, size: str, seconds: str | int) -> Decimal:
        return self.price(size) * int(seconds)

    def pricing_skus(self) -> dict[str, str]:
        """OpenRouter-style SKUs: `per-video-second` is the price of the first size's
        resolution; `per-video-second-<resolution>` each other resolution whose price
        differs (e.g. {"per-video-second": "0.30", "per-video-second-1024p": "0.50"})."""
        base = self.price(self.sizes[0])
        skus = {"per-video-second": usd(base)}
        for size in self.sizes:
            price = self.price(size)
            if price != base:
                skus.setdefault(f"per-video-second-{resolution(size)}", usd(price))
        return skus


Models = Mapping[str, ModelOffer]

_SORA_SECONDS = ("4", "8", "12")
_SORA_SIZES = ("720x1280", "1280x720")
# OpenAI's list prices: sora-2 0.10 USD/s; sora-2-pro 0.30 USD/s, 0.50 at 1024x1792.
SORA_MODELS: dict[str, ModelOffer] = {
    "sora-2": ModelOffer(
        seconds=_SORA_SECONDS,
        sizes=_SORA_SIZES,
        aliases=("sora-2-2025-10-06", "sora-2-2025-12-08"),
        usd_per_second=tuple((size, "0.10") for size in _SORA_SIZES),
        name="OpenAI: Sora 2",
    ),
    "sora-2-pro": ModelOffer(
        seconds=_SORA_SECONDS,
        sizes=(*_SORA_SIZES, "1024x1792", "1792x1024"),
        aliases=("sora-2-pro-2025-10-06",),
        usd_per_second=(
            *((size, "0.30") for size in _SORA_SIZES),
            ("1024x1792", "0.50"),
            ("1792x1024", "0.50"),
        ),
        name="OpenAI: Sora 2 Pro",
    ),
}


def usd(value: Decimal) -> str:
    """A price as OpenRouter writes it: a decimal string, at least two places."""
    return str(
        value.quantize(Decimal("0.01")) if value == value.quantize(Decimal("0.01")) else value
    )


def dimensions(size: str) -> tuple[int, int]:
    width, height = size.split("x")
    return int(width), int(height)


def resolution(size: str) -> str:
    """OpenRouter's name for a size's resolution: its shorter side, e.g. `720p`."""
    return f"{min(dimensions(size))}p"


def aspect_ratio(size: str) -> str:
    """The nearest of OpenRouter's aspect ratios (1792x1024, 1.75, is 16:9)."""
    width, height = dimensions(size)

    def distance(ratio: str) -> float:
        w, h = (int(part) for part in ratio.split(":"))
        return abs(math.log(width / height) - math.log(w / h))

    return min(ASPECT_RATIOS, key=distance)


def _seconds(value, where: str) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not SECONDS.match(text) or int(text) > MAX_SECONDS:
        raise ConfigError(
            f"{where}: seconds must be whole numbers from 1 to {MAX_SECONDS}, got {value!r}"
        )
    return text


def _size(value, where: str) -> str:
    match = SIZE.match(value) if isinstance(value, str) else None
    if not match:
        raise ConfigError(f"{where}: sizes are 'WIDTHxHEIGHT' such as '1280x720', got {value!r}")
    for side in (int(match[1]), int(match[2])):
        if side % 2 or not MIN_SIDE <= side <= MAX_SIDE:
            raise ConfigError(
                f"{where}: size {value!r}: width and height must be even and from "
                f"{MIN_SIDE} to {MAX_SIDE} (H.264 4:2:0 cannot encode odd sides)"
            )
    return value


def _strings(offer: Mapping, name: str, where: str, check, *, required: bool) -> tuple:
    values = offer.get(name, None if required else [])
    if not isinstance(values, list | tuple) or (required and not values):
        kind = "a non-empty list" if required else "a list"
        raise ConfigError(f"{where}: '{name}' must be {kind}, got {values!r}")
    checked = tuple(check(value, where) for value in values)
    if len(set(checked)) != len(checked):
        raise ConfigError(f"{where}: '{name}' lists a value twice: {values!r}")
    return checked


def _name(value, where: str) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise ConfigError(f"{where}: names are non-empty, unpadded strings, got {value!r}")
    return value


def _decimal(value, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{where}: usd_per_second must be a decimal, got {value!r}")
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite() or price < 0:
        raise ConfigError(f"{where}: usd_per_second must be a decimal >= 0, got {value!r}")
    return str(price)


def _prices(offer: Mapping, sizes: tuple[str, ...], where: str) -> tuple[tuple[str, str], ...]:
    value = offer.get("usd_per_second")
    if value is None or value == ():
        return ()
    if isinstance(value, tuple):  # a parsed offer's (size, price) pairs
        value = dict(value)
    if not isinstance(value, Mapping):
        price = _decimal(value, where)
        return tuple((size, price) for size in sizes)
    unknown = sorted(set(value) - set(sizes))
    missing = [size for size in sizes if size not in value]
    if unknown or missing:
        raise ConfigError(
            f"{where}: usd_per_second must price exactly its sizes "
            f"(unknown {unknown}, missing {missing})"
        )
    prices = tuple((size, _decimal(value[size], where)) for size in sizes)
    # OpenRouter prices per resolution (`per-video-second-720p`): two sizes of one
    # resolution at different prices could not be listed as the emulator charges them.
    seen: dict[str, tuple[str, str]] = {}
    for size, price in prices:
        first, first_price = seen.setdefault(resolution(size), (size, price))
        if Decimal(first_price) != Decimal(price):
            raise ConfigError(
                f"{where}: usd_per_second: {first} and {size} are both {resolution(size)}, "
                f"priced {first_price} and {price}; OpenRouter prices per resolution"
            )
    return prices


def _frame_type(value, where: str) -> str:
    if value not in FRAME_TYPES:
        raise ConfigError(f"{where}: frame_images are {list(FRAME_TYPES)}, got {value!r}")
    return value


def _flag(offer: Mapping, name: str, default: bool, where: str) -> bool:
    value = offer.get(name, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: '{name}' must be true or false, got {value!r}")
    return value


def parse_models(value, source: str = "models") -> dict[str, ModelOffer]:
    """A checked catalog from a mapping of model id to a ModelOffer or its JSON object."""
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(
            f"{source}: expected a non-empty JSON object of model id to "
            '{"seconds": [...], "sizes": [...]}'
        )
    models: dict[str, ModelOffer] = {}
    taken: set[str] = set()
    for model, offer in value.items():
        where = f"{source}: model {model!r}"
        _name(model, where)
        if isinstance(offer, ModelOffer):
            offer = asdict(offer)
        if not isinstance(offer, Mapping):
            raise ConfigError(f"{where}: expected an object with 'seconds' and 'sizes'")
        unknown = sorted(set(offer) - set(FIELDS))
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {unknown}; use {list(FIELDS)}")
        sizes = _strings(offer, "sizes", where, _size, required=True)
        parsed = ModelOffer(
            seconds=_strings(offer, "seconds", where, _seconds, required=True),
            sizes=sizes,
            aliases=_strings(offer, "aliases", where, _name, required=False),
            usd_per_second=_prices(offer, sizes, where),
            frame_images=(
                _strings(offer, "frame_images", where, _frame_type, required=False)
                if "frame_images" in offer
                else ("first_frame",)
            ),
            name=_name(offer["name"], where) if offer.get("name") else "",
            generate_audio=_flag(offer, "generate_audio", True, where),
            seed=_flag(offer, "seed", False, where),
        )
        for name in (model, *parsed.aliases):
            if name in taken:
                raise ConfigError(f"{where}: the name {name!r} is used twice")
            taken.add(name)
        models[model] = parsed
    return models


def models_from_json(text: str, source: str) -> dict[str, ModelOffer]:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"{source}: not valid JSON ({error})") from None
    return parse_models(value, source)


def models_from_file(path: str | Path) -> dict[str, ModelOffer]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the models file ({error.strerror})") from None
    return models_from_json(text, str(path))
