"""What a second of video costs upstream, and what StoryCraft sells it for.

All money is Decimal: 0.10 USD/s at 30 % over 0.01 USD a credit is exactly 13 credits/s,
where binary floats (0.1 * 1.3 / 0.01 = 13.000000000000002) would round it up to 14.
"""

import re
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from django.conf import settings

from catalog.models import SIZE_PATTERN, ProviderEndpoint

HUNDRED = Decimal(100)
# Video heights providers name ("720p"); a size is priced at the nearest one.
STANDARD_RESOLUTIONS = (360, 480, 540, 576, 720, 768, 1080, 1440, 2160)
_RESOLUTION = re.compile(r"(?:^|[-_])(\d{3,4})p(?:$|[-_])|(?:^|[-_])4k(?:$|[-_])", re.IGNORECASE)
# SKUs priced by something other than output seconds (tokens, images, megapixels).
_NOT_PER_SECOND = re.compile(r"token|image|megapixel|input|request", re.IGNORECASE)


def margin_of(endpoint: ProviderEndpoint) -> Decimal:
    """The endpoint's margin in percent, or DEFAULT_MARGIN_PERCENT when it sets none."""
    if endpoint.margin_percent is not None:
        return Decimal(endpoint.margin_percent)
    return settings.DEFAULT_MARGIN_PERCENT


def sell_price(*, upstream_usd_per_second: Decimal, margin_percent: Decimal) -> int:
    """Credits per second: ceil(upstream * (1 + margin / 100) / CREDIT_VALUE_USD), at least 1."""
    credits = (
        Decimal(upstream_usd_per_second)
        * (1 + Decimal(margin_percent) / HUNDRED)
        / settings.CREDIT_VALUE_USD
    )
    return max(1, int(credits.to_integral_value(rounding=ROUND_CEILING)))


def plain(value: Decimal) -> str:
    """A decimal as people write it: 0.5, 30, 0.075 (never 3E+1 or 0.500000)."""
    return format(Decimal(value).normalize(), "f")


def sell_usd(credits_per_second: int) -> Decimal:
    return credits_per_second * settings.CREDIT_VALUE_USD


def margin_percent(*, credits_per_second: int, upstream_usd_per_second: Decimal | None):
    """The markup of a sell price over its upstream cost, in percent (as the endpoint margin
    is meant); None when the cost is unknown. Negative: sold below cost."""
    if not upstream_usd_per_second:
        return None
    upstream = Decimal(upstream_usd_per_second)
    return ((sell_usd(credits_per_second) - upstream) / upstream * HUNDRED).quantize(Decimal("0.1"))


def resolution_of(size: str) -> int:
    """The named resolution nearest to a size's short side: 1280x720 → 720, 1792x1024 → 1080."""
    match = SIZE_PATTERN.match(size)
    if not match:
        raise ValueError(f"not a size: {size!r}")
    short = min(int(match["width"]), int(match["height"]))
    return min(STANDARD_RESOLUTIONS, key=lambda height: abs(height - short))


def parse_resolution(name: str) -> int | None:
    """720 for "720p", 2160 for "4K"; None when the text names no resolution."""
    match = _RESOLUTION.search(str(name))
    if not match:
        return None
    return int(match[1]) if match[1] else 2160


def size_of(aspect_ratio: str, resolution: str) -> str | None:
    """WIDTHxHEIGHT for an aspect and a resolution naming its short side: 16:9 at 720p is
    1280x720, 9:16 at 1080p is 1080x1920. Sides are rounded to even numbers (H.264)."""
    height = parse_resolution(resolution)
    try:
        wide, high = (int(side) for side in aspect_ratio.split(":"))
    except ValueError:
        return None
    if height is None or wide <= 0 or high <= 0:
        return None
    short, long_ = height, 2 * round(height * max(wide, high) / min(wide, high) / 2)
    return f"{long_}x{short}" if wide >= high else f"{short}x{long_}"


def _usd(value) -> Decimal | None:
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return price if price.is_finite() and price >= 0 else None


def per_second_prices(skus: dict) -> list[tuple[int | None, Decimal]]:
    """The SKUs that price a second of output, as (resolution or None, USD per second).

    Names vary by model: `per-video-second`, `per-video-second-1080p`,
    `duration_seconds_with_audio_720p`, `cents_per_second_output`..."""
    prices = []
    for name, value in (skus or {}).items():
        if "second" not in name.lower() or _NOT_PER_SECOND.search(name):
            continue
        price = _usd(value)
        if price is None:
            continue
        if name.lower().startswith("cents"):
            price = price / HUNDRED
        prices.append((parse_resolution(name), price))
    return prices


def upstream_usd_per_second(skus: dict, size: str) -> Decimal | None:
    """What a second of this size costs upstream by the SKUs: the price for its resolution
    (its short side, "1024p", or the named one nearest it, "1080p"), else the base price;
    the dearest of the matching variants (with audio, say), so the price covers whichever
    one the provider bills. None when no SKU prices it."""
    prices = per_second_prices(skus)
    short = min(int(side) for side in size.split("x"))
    for wanted in (short, resolution_of(size), None):
        matching = [price for height, price in prices if height == wanted]
        if matching:
            return max(matching)
    return None
