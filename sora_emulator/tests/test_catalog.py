"""The model catalog's configuration: Sora 2 by default, anything else from JSON."""

import json

import pytest

from sora_emulator.__main__ import main
from sora_emulator.catalog import SORA_MODELS, ConfigError, ModelOffer, parse_models
from sora_emulator.config import EmulatorSettings

VEO = {"veo-3.1-fast": {"seconds": ["5", "10"], "sizes": ["1344x768", "768x1344", "768x768"]}}


def test_the_default_is_todays_sora_offer():
    models = EmulatorSettings().models
    assert list(models) == ["sora-2", "sora-2-pro"]
    assert models["sora-2"].seconds == models["sora-2-pro"].seconds == ("4", "8", "12")
    assert models["sora-2"].sizes == ("720x1280", "1280x720")
    assert models["sora-2-pro"].sizes == ("720x1280", "1280x720", "1024x1792", "1792x1024")
    assert models["sora-2"].aliases == ("sora-2-2025-10-06", "sora-2-2025-12-08")
    assert models["sora-2-pro"].aliases == ("sora-2-pro-2025-10-06",)


def test_settings_take_json_shaped_dicts():
    models = EmulatorSettings(models=VEO).models
    assert models == {
        "veo-3.1-fast": ModelOffer(seconds=("5", "10"), sizes=("1344x768", "768x1344", "768x768"))
    }


def test_whole_number_seconds_are_read_as_strings():
    models = parse_models({"m": {"seconds": [5, "10"], "sizes": ["768x768"]}})
    assert models["m"].seconds == ("5", "10")


def test_parsed_offers_parse_again_unchanged():
    assert parse_models(SORA_MODELS) == SORA_MODELS


@pytest.mark.parametrize(
    ("models", "words"),
    [
        ({}, "non-empty JSON object"),
        (["sora-2"], "non-empty JSON object"),
        ({"m": ["5"]}, "expected an object"),
        ({"m": {"sizes": ["768x768"]}}, "'seconds' must be a non-empty list"),
        ({"m": {"seconds": [], "sizes": ["768x768"]}}, "'seconds' must be a non-empty list"),
        ({"m": {"seconds": ["5"], "sizes": "768x768"}}, "'sizes' must be a non-empty list"),
        ({"m": {"seconds": ["5"], "size": ["768x768"]}}, "unknown field(s) ['size']"),
        ({"m": {"seconds": ["five"], "sizes": ["768x768"]}}, "whole numbers"),
        ({"m": {"seconds": ["0"], "sizes": ["768x768"]}}, "whole numbers"),
        ({"m": {"seconds": [4.5], "sizes": ["768x768"]}}, "whole numbers"),
        ({"m": {"seconds": [True], "sizes": ["768x768"]}}, "whole numbers"),
        ({"m": {"seconds": ["5", 5], "sizes": ["768x768"]}}, "twice"),
        ({"m": {"seconds": ["5"], "sizes": ["768*768"]}}, "'WIDTHxHEIGHT'"),
        ({"m": {"seconds": ["5"], "sizes": ["767x767"]}}, "must be even"),
        ({"m": {"seconds": ["5"], "sizes": ["8x8"]}}, "from 16 to 8192"),
        ({"m": {"seconds": ["5"], "sizes": ["768x768"], "aliases": "m1"}}, "'aliases' must be"),
        ({" m": {"seconds": ["5"], "sizes": ["768x768"]}}, "unpadded"),
        ({"m": {"seconds": ["5"], "sizes": ["768x768"], "usd_per_second": "abc"}}, "a decimal"),
        ({"m": {"seconds": ["5"], "sizes": ["768x768"], "usd_per_second": -1}}, ">= 0"),
        ({"m": {"seconds": ["5"], "sizes": ["768x768"], "usd_per_second": True}}, "a decimal"),
        (
            {"m": {"seconds": ["5"], "sizes": ["768x768"], "usd_per_second": {"1x1": 1}}},
            "must price exactly its sizes (unknown ['1x1'], missing ['768x768'])",
        ),
        (
            {
                "m": {
                    "seconds": ["5"],
                    "sizes": ["1280x720", "720x720"],
                    "usd_per_second": {"1280x720": "0.10", "720x720": "0.08"},
                }
            },
            "1280x720 and 720x720 are both 720p, priced 0.10 and 0.08",
        ),
        ({"m": {"seconds": ["5"], "sizes": ["768x768"], "frame_images": ["mid"]}}, "frame_images"),
        ({"m": {"seconds": ["5"], "sizes": ["768x768"], "seed": "yes"}}, "'seed' must be true"),
        (
            {
                "a": {"seconds": ["5"], "sizes": ["768x768"], "aliases": ["b"]},
                "b": VEO["veo-3.1-fast"],
            },
            "'b' is used twice",
        ),
    ],
)
def test_malformed_catalogs_are_refused_with_the_reason(models, words):
    with pytest.raises(ConfigError) as raised:
        EmulatorSettings(models=models)
    assert words in str(raised.value)


def test_odd_sides_are_refused_because_h264_cannot_encode_them():
    with pytest.raises(ConfigError, match="767x768"):
        parse_models({"m": {"seconds": ["5"], "sizes": ["767x768"]}})


def test_the_environment_gives_the_catalog_inline(monkeypatch):
    monkeypatch.setenv("EMULATOR_MODELS", json.dumps(VEO))
    assert list(EmulatorSettings.from_env().models) == ["veo-3.1-fast"]


def test_the_environment_gives_the_catalog_as_a_file(monkeypatch, tmp_path):
    path = tmp_path / "models.json"
    path.write_text(json.dumps(VEO))
    monkeypatch.setenv("EMULATOR_MODELS_FILE", str(path))
    assert list(EmulatorSettings.from_env().models) == ["veo-3.1-fast"]


def test_an_override_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("EMULATOR_MODELS", "not even json")
    assert list(EmulatorSettings.from_env(models=VEO).models) == ["veo-3.1-fast"]


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"EMULATOR_MODELS": "{not json"}, "EMULATOR_MODELS: not valid JSON"),
        ({"EMULATOR_MODELS_FILE": "/nonexistent/models.json"}, "cannot read the models file"),
        ({"EMULATOR_MODELS": json.dumps(VEO), "EMULATOR_MODELS_FILE": "x"}, "not both"),
    ],
)
def test_bad_environment_catalogs_are_refused(monkeypatch, env, words):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=words):
        EmulatorSettings.from_env()


def test_the_command_line_stops_on_a_malformed_catalog(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--models", '{"m": {"seconds": ["5"], "sizes": ["767x767"]}}'])
    assert exited.value.code == 2
    assert "--models: model 'm'" in capsys.readouterr().err


def test_the_command_line_stops_on_an_unreadable_models_file(capsys, tmp_path):
    with pytest.raises(SystemExit) as exited:
        main(["--models-file", str(tmp_path / "missing.json")])
    assert exited.value.code == 2
    assert "missing.json: cannot read the models file" in capsys.readouterr().err


def test_prices_default_to_ten_cents_and_sora_keeps_openais():
    plain = parse_models({"m": {"seconds": [5], "sizes": ["768x768", "1280x720"]}})["m"]
    assert plain.pricing_skus() == {"per-video-second": "0.10"}
    assert (plain.frame_images, plain.generate_audio, plain.seed) == (("first_frame",), True, False)
    assert str(plain.cost("1280x720", "5")) == "0.50"
    pro = SORA_MODELS["sora-2-pro"]
    assert str(pro.cost("1792x1024", "12")) == "6.00" and str(pro.cost("1280x720", "4")) == "1.20"
    assert SORA_MODELS["sora-2"].pricing_skus() == {"per-video-second": "0.10"}


def test_a_price_per_size_gives_a_sku_per_resolution():
    offer = parse_models(
        {"m": {"seconds": [5], "sizes": ["640x360", "1280x720"], "usd_per_second": 0.125}}
    )["m"]
    assert offer.pricing_skus() == {"per-video-second": "0.125"}
    offer = parse_models(
        {
            "m": {
                "seconds": [5],
                "sizes": ["640x360", "1280x720", "720x1280"],
                "usd_per_second": {"640x360": "0.05", "1280x720": "0.1", "720x1280": "0.1"},
            }
        }
    )["m"]
    assert offer.pricing_skus() == {"per-video-second": "0.05", "per-video-second-720p": "0.10"}
