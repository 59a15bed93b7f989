"""sync_catalog against the emulator's OpenRouter side, over HTTP: the catalog follows the
provider's model list, priced by the margin rule."""

import json
import os
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_q.models import Schedule

from catalog import services
from catalog.models import CatalogModel, CatalogSync
from catalog.tasks import sync_all_catalogs
from sora_emulator import serve_in_thread
from testing import api_for, order, person

pytestmark = pytest.mark.django_db

OFFER = {
    "google/veo-3.1": {
        "name": "Google: Veo 3.1",
        "seconds": [4, 6, 8],
        "sizes": ["1280x720", "720x1280", "1920x1080"],
        "usd_per_second": {"1280x720": "0.10", "720x1280": "0.10", "1920x1080": "0.75"},
    },
    # The default endpoint sells "sora-2" already: this one is openrouter:sora-2.
    "sora-2": {"seconds": [4, 8], "sizes": ["1280x720"], "usd_per_second": "0.10"},
    "kling/v2": {
        "seconds": [5, 10],
        "sizes": ["768x768"],
        "usd_per_second": "0.07",
        "frame_images": [],
    },
}


class Provider:
    """The emulator's OpenRouter side with a models file a test can edit."""

    def __init__(self, path):
        self.path = path

    def offers(self, models: dict) -> None:
        # A new modification time, as an editor's save: the emulator reads the file again.
        self.path.write_text(json.dumps(models))
        stat = self.path.stat()
        os.utime(self.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def provider(tmp_path, settings):
    settings.CREDIT_VALUE_USD = Decimal("0.01")
    settings.DEFAULT_MARGIN_PERCENT = Decimal(30)
    provider = Provider(tmp_path / "models.json")
    provider.offers(OFFER)
    server, _ = serve_in_thread(
        job_seconds=1, models_file=provider.path, cache_dir=tmp_path / "cache"
    )
    provider.endpoint, _ = services.put_endpoint(
        name="openrouter",
        protocol="openrouter",
        base_url=server.openrouter_base_url,
        auth_style="bearer",
    )
    yield provider
    server.stop()


def sync(*args) -> str:
    out = StringIO()
    call_command("sync_catalog", "openrouter", *args, stdout=out)
    return out.getvalue()


def prices(model_id: str) -> list[tuple]:
    model = CatalogModel.objects.get(model_id=model_id)
    return [
        (size.size, size.format, size.upstream_usd_per_second, size.credits_per_second)
        for size in model.sizes.all()
    ]


def test_new_models_land_disabled_with_exact_prices(provider, sam):
    said = sync(f"--by={sam.email}")

    assert "openrouter: 3 listed; 3 new (disabled)" in said
    assert "1920x1080 (16:9) 0.75 USD/s → 98 credits/s (margin 30 %)" in said
    veo = CatalogModel.objects.get(model_id="google/veo-3.1")
    assert (veo.enabled, veo.name, veo.upstream_model, veo.durations) == (
        False,
        "Google: Veo 3.1",
        "google/veo-3.1",
        [4, 6, 8],
    )
    assert veo.image_input and not veo.can_remix and veo.retired_upstream_at is None
    assert veo.upstream_pricing == {"per-video-second": "0.10", "per-video-second-1080p": "0.75"}
    # 0.10 USD/s at 30 % is exactly 13 credits; 0.75 * 1.3 = 97.5 rounds up to 98.
    assert prices("google/veo-3.1") == [
        ("1280x720", "16:9", Decimal("0.10"), 13),
        ("720x1280", "9:16", Decimal("0.10"), 13),
        ("1920x1080", "16:9", Decimal("0.75"), 98),
    ]
    assert prices("kling/v2") == [("768x768", "1:1", Decimal("0.07"), 10)]
    assert not CatalogModel.objects.get(model_id="kling/v2").image_input
    assert "google/veo-3.1" not in [
        model["id"] for model in api_for(sam).get("/models").json()["results"]
    ]
    entry = LogEntry.objects.get(object_id=str(veo.pk))
    assert entry.user == sam and "new, disabled" in entry.change_message

    assert "0 new (disabled), 0 repriced upstream, 0 retired upstream" in sync()
    assert CatalogModel.objects.filter(endpoint=provider.endpoint).count() == 3
    assert CatalogSync.objects.latest("started_at").changes == []


def test_an_id_another_endpoint_sells_gets_the_endpoints_name(provider):
    sync()
    theirs = CatalogModel.objects.get(model_id="openrouter:sora-2")
    assert (theirs.endpoint, theirs.upstream_model) == (provider.endpoint, "sora-2")
    assert CatalogModel.objects.get(model_id="sora-2").endpoint.name == "default"


def test_the_endpoints_margin_prices_its_models(provider):
    services.put_endpoint(name="openrouter", margin_percent=Decimal(50))
    sync()
    assert [price for *_, price in prices("google/veo-3.1")] == [15, 15, 113]


def test_a_price_rise_upstream_changes_the_cost_never_the_price(provider, sam):
    sync()
    provider.offers({**OFFER, "kling/v2": {**OFFER["kling/v2"], "usd_per_second": "0.09"}})

    said = sync(f"--by={sam.email}")

    assert "1 repriced upstream" in said
    assert "768x768 0.07 → 0.09 USD/s (sells at 10 credits/s: margin 11.1 %)" in said
    assert prices("kling/v2") == [("768x768", "1:1", Decimal("0.09"), 10)]
    kling = CatalogModel.objects.get(model_id="kling/v2")
    assert kling.upstream_pricing == {"per-video-second": "0.09"}
    assert (
        "repriced upstream"
        in LogEntry.objects.filter(object_id=str(kling.pk)).last().change_message
    )

    provider.offers({**OFFER, "kling/v2": {**OFFER["kling/v2"], "usd_per_second": "0.12"}})
    assert "BELOW COST" in sync()
    assert prices("kling/v2") == [("768x768", "1:1", Decimal("0.12"), 10)]


def test_a_model_gone_upstream_is_retired_and_refused(provider, sam, client):
    sync()
    services.put_model(model_id="kling/v2", enabled=True)
    alice = api_for(person("alice", credits=1000))
    provider.offers({name: offer for name, offer in OFFER.items() if name != "kling/v2"})

    said = sync()

    assert "1 retired upstream" in said and "disabled (was enabled)" in said
    kling = CatalogModel.objects.get(model_id="kling/v2")
    assert kling.enabled is False and kling.retired_upstream_at is not None
    refused = order(alice, model="kling/v2", seconds=5, size="768x768")
    assert refused.status_code == 400
    assert '"kling/v2" is not a model you can order' in refused.json()["model"][0]
    listing = client.get(reverse("admin:catalog_catalogmodel_changelist") + "?upstream=retired")
    assert [model.model_id for model in listing.context["cl"].result_list] == ["kling/v2"]
    assert "retired upstream" in listing.content.decode()

    # Back upstream: reported, not put on sale again by itself; enabling it needs no reason now.
    provider.offers(OFFER)
    assert "1 back upstream (still disabled)" in sync()
    kling.refresh_from_db()
    assert (kling.enabled, kling.retired_upstream_at) == (False, None)
    services.put_model(model_id="kling/v2", enabled=True)


def test_the_daily_schedule_syncs_and_the_dashboard_and_history_show_it(provider, sam, client):
    assert "openrouter: 3 change(s)" in sync_all_catalogs()
    run = CatalogSync.objects.get()
    assert run.by is None and run.count("new") == 3
    rows = client.get("/admin/").context["dashboard"]["catalog"]
    last = next(row for row in rows if row["label"] == "Last sync of openrouter")
    assert last["count"] == 3 and "by daily schedule: 3 new (disabled)" in last["help"]
    veo = CatalogModel.objects.get(model_id="google/veo-3.1")
    history = client.get(reverse("admin:catalog_catalogmodel_history", args=[veo.pk]))
    assert "Changes made by catalog syncs no person ran" in history.content.decode()
    assert "1920x1080 (16:9) 0.75 USD/s → 98 credits/s" in history.content.decode()


def test_the_admin_action_syncs_as_the_staff_member(provider, sam, client):
    response = client.post(
        reverse("admin:catalog_providerendpoint_changelist"),
        {"action": "sync_models", "_selected_action": [str(provider.endpoint.pk)]},
        follow=True,
    )
    [said] = [message.message for message in response.context["messages"]]
    assert said.startswith("openrouter: 3 listed; 3 new (disabled)")
    assert (CatalogSync.objects.get().by, CatalogSync.objects.get().via) == (sam, "admin")
    assert LogEntry.objects.filter(user=sam).count() == 3


def test_a_list_that_cannot_be_read_changes_nothing(provider):
    sync()
    services.put_endpoint(name="openrouter", base_url="http://127.0.0.1:9/api/v1")
    with pytest.raises(CommandError, match="Not synced: openrouter"):
        sync()
    assert not CatalogModel.objects.filter(retired_upstream_at__isnull=False).exists()
    assert "failed" in CatalogSync.objects.latest("started_at").error


def test_migrate_schedules_the_daily_sync():
    schedule = Schedule.objects.get(name="catalog sync")
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (
        "catalog.tasks.sync_all_catalogs",
        Schedule.DAILY,
        -1,
    )
