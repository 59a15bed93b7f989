"""The models the emulator offers, each with its durations and sizes: Sora 2 unless configured.

The configuration is a JSON object of model id to offer. The first model is the default
model, and the first of a model's `seconds` and of its `sizes` are its defaults::

    {"veo-3.1-fast": {"seconds": ["5", "10"], "sizes": ["1344x768", "768x1344", "768x768"]}}

`aliases` (optional) are other names accepted for a model, such as dated snapshots.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

SIZE = re.compile(r"^([1-9][0-9]*)x([1-9][0-9]*)$")
SECONDS = re.compile(r"^[1-9][0-9]*$")
# The MP4 is H.264 4:2:0, which needs even sides; the spritesheet's quarter tiles need 16.
MIN_SIDE, MAX_SIDE = 16, 8192
MAX_SECONDS = 600
FIELDS = ("seconds", "sizes", "aliases")


class ConfigError(ValueError):
    """The model catalog's configuration is malformed."""


@dataclass(frozen=True)
class ModelOffer:
    """What one model accepts: `seconds` as strings, sizes as `WIDTHxHEIGHT`."""

    seconds: tuple[str, ...]
    sizes: tuple[str, ...]
    aliases: tuple[str, ...] = ()


Models = Mapping[str, ModelOffer]

_SORA_SECONDS = ("4", "8", "12")
_SORA_SIZES = ("720x1280", "1280x720")
SORA_MODELS: dict[str, ModelOffer] = {
    "sora-2": ModelOffer(
        seconds=_SORA_SECONDS,
        sizes=_SORA_SIZES,
        aliases=("sora-2-2025-10-06", "sora-2-2025-12-08"),
    ),
    "sora-2-pro": ModelOffer(
        seconds=_SORA_SECONDS,
        sizes=(*_SORA_SIZES, "1024x1792", "1792x1024"),
        aliases=("sora-2-pro-2025-10-06",),
    ),
}


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
        parsed = ModelOffer(
            seconds=_strings(offer, "seconds", where, _seconds, required=True),
            sizes=_strings(offer, "sizes", where, _size, required=True),
            aliases=_strings(offer, "aliases", where, _name, required=False),
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
