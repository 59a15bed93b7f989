"""The price rule: credits per second from the upstream price, in exact decimals."""

import math
from decimal import Decimal

import pytest

from catalog.pricing import (
    margin_percent,
    per_second_prices,
    resolution_of,
    sell_price,
    size_of,
    upstream_usd_per_second,
)


def test_ten_cents_a_second_at_thirty_percent_is_exactly_thirteen_credits(settings):
    settings.CREDIT_VALUE_USD = Decimal("0.01")
    assert sell_price(upstream_usd_per_second=Decimal("0.10"), margin_percent=Decimal(30)) == 13


def test_it_is_exact_where_binary_floats_round_up_a_credit_too_many(settings):
    settings.CREDIT_VALUE_USD = Decimal("0.01")
    # 0.1 * 1.1 / 0.01 == 11.000000000000002 in floats: its ceiling would be 12.
    assert math.ceil(0.1 * (1 + 10 / 100) / 0.01) == 12
    assert sell_price(upstream_usd_per_second=Decimal("0.10"), margin_percent=Decimal(10)) == 11
    assert sell_price(upstream_usd_per_second=Decimal("0.40"), margin_percent=Decimal(50)) == 60


def test_it_rounds_up_and_follows_the_credit_value(settings):
    settings.CREDIT_VALUE_USD = Decimal("0.01")
    assert sell_price(upstream_usd_per_second=Decimal("0.50"), margin_percent=Decimal(30)) == 65
    assert sell_price(upstream_usd_per_second=Decimal("0.101"), margin_percent=Decimal(0)) == 11
    settings.CREDIT_VALUE_USD = Decimal("0.05")
    assert sell_price(upstream_usd_per_second=Decimal("0.50"), margin_percent=Decimal(30)) == 13
    # A free model still costs a credit a second: no price is zero.
    assert sell_price(upstream_usd_per_second=Decimal(0), margin_percent=Decimal(30)) == 1


def test_the_margin_shown_is_the_markup_over_cost(settings):
    settings.CREDIT_VALUE_USD = Decimal("0.01")
    assert margin_percent(credits_per_second=13, upstream_usd_per_second=Decimal("0.10")) == 30
    assert margin_percent(credits_per_second=9, upstream_usd_per_second=Decimal("0.10")) == -10
    assert margin_percent(credits_per_second=9, upstream_usd_per_second=None) is None


@pytest.mark.parametrize(
    ("aspect", "resolution", "size"),
    [
        ("16:9", "720p", "1280x720"),
        ("9:16", "1080p", "1080x1920"),
        ("1:1", "720p", "720x720"),
        ("4:3", "480p", "640x480"),
        ("16:9", "480p", "854x480"),
        ("21:9", "720p", "1680x720"),
        ("16:9", "4K", "3840x2160"),
        ("wide", "720p", None),
        ("16:9", "high", None),
    ],
)
def test_an_aspect_at_a_resolution_is_a_size(aspect, resolution, size):
    assert size_of(aspect, resolution) == size


def test_a_size_is_priced_at_its_resolution_or_the_base_price():
    skus = {"per-video-second": "0.50", "per-video-second-1080p": "0.75", "per-image": "0.1"}
    assert upstream_usd_per_second(skus, "1280x720") == Decimal("0.50")
    assert upstream_usd_per_second(skus, "1080x1920") == Decimal("0.75")
    # 1792x1024 is billed as 1080p, the resolution nearest its short side.
    assert resolution_of("1792x1024") == 1080
    assert upstream_usd_per_second(skus, "1792x1024") == Decimal("0.75")
    # ...unless a SKU names its short side itself.
    skus["per-video-second-1024p"] = "0.60"
    assert upstream_usd_per_second(skus, "1792x1024") == Decimal("0.60")


def test_variants_take_the_dearest_and_cents_are_converted():
    skus = {
        "duration_seconds_without_audio_720p": "0.10",
        "duration_seconds_with_audio_720p": "0.20",
        "video_tokens": "0.000001",
    }
    assert upstream_usd_per_second(skus, "1280x720") == Decimal("0.20")
    assert upstream_usd_per_second(skus, "1920x1080") is None
    assert per_second_prices({"cents_per_second_output": "12"}) == [(None, Decimal("0.12"))]
    assert upstream_usd_per_second({"video_tokens": "0.1"}, "1280x720") is None
