"""manage.py catalog_endpoint / catalog_model: the operator's way to change the offer."""

from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command

from catalog.models import CatalogModel, ProviderEndpoint

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_an_endpoint_and_a_model_on_it(sam):
    run(
        "catalog_endpoint",
        "gateway",
        "--base-url=http://litellm.internal:4000/v1",
        "--auth-style=bearer",
        "--key-env=LITELLM_KEY",
        f"--by={sam.email}",
    )
    said = run(
        "catalog_model",
        "google/veo-3.1-fast",
        "--name=Veo 3.1 Fast",
        "--endpoint=gateway",
        "--upstream=veo-3.1-fast",
        "--durations=5,10",
        "--size=1344x768=30",
        "--size=768x768:1:1=25",
        f"--by={sam.email}",
    )
    assert "created" in said
    veo = CatalogModel.objects.get(model_id="google/veo-3.1-fast")
    assert (veo.endpoint.name, veo.upstream_model, veo.default_size) == (
        "gateway",
        "veo-3.1-fast",
        "1344x768",
    )
    assert [(s.size, s.format, s.credits_per_second) for s in veo.sizes.all()] == [
        ("1344x768", "16:9", 30),
        ("768x768", "1:1", 25),
    ]
    assert LogEntry.objects.filter(user=sam).count() == 2


def test_running_it_again_changes_nothing_and_a_price_change_is_recorded(sam):
    assert "unchanged" in run("catalog_model", "sora-2", "--durations=4,8,12")
    said = run(
        "catalog_model", "sora-2", "--size=1280x720=22", "--size=720x1280=20", f"--by={sam.email}"
    )
    assert "1280x720: credits_per_second 20 → 22" in said
    assert "20 → 22" in LogEntry.objects.get(user=sam).change_message


def test_it_explains_bad_input():
    with pytest.raises(CommandError, match="No endpoint named 'nowhere'"):
        run("catalog_model", "x", "--endpoint=nowhere", "--durations=5", "--size=768x768=1")
    with pytest.raises(CommandError, match="base_url"):
        run("catalog_endpoint", "half-done")
    with pytest.raises(CommandError):
        run("catalog_model", "y", "--durations=5", "--size=big=1")
    assert not ProviderEndpoint.objects.filter(name="half-done").exists()
    assert not CatalogModel.objects.filter(model_id__in=["x", "y"]).exists()


def test_making_a_model_the_default_moves_the_default():
    run("catalog_model", "sora-2-pro", "--make-default")
    assert list(
        CatalogModel.objects.filter(is_default=True).values_list("model_id", flat=True)
    ) == ["sora-2-pro"]
