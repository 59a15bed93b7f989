"""A model sold below its upstream cost, or retired upstream, is enabled only with a reason."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from catalog.models import CatalogModel, CatalogSize
from catalog.tests.test_admin_catalog import model_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro_below_cost(settings):
    """sora-2-pro, disabled, sold at 60 credits (0.60 USD) a second that cost 0.70 upstream."""
    settings.CREDIT_VALUE_USD = Decimal("0.01")
    pro = CatalogModel.objects.get(model_id="sora-2-pro")
    CatalogModel.objects.filter(pk=pro.pk).update(enabled=False)
    CatalogSize.objects.filter(model=pro, size="1280x720").update(
        upstream_usd_per_second=Decimal("0.70")
    )
    return pro


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_command_wants_a_reason_and_records_it(pro_below_cost, sam):
    with pytest.raises(CommandError, match=r"below its upstream cost of 0\.7 USD/s: give a reason"):
        run("catalog_model", "sora-2-pro", "--enable", f"--by={sam.email}")
    assert CatalogModel.objects.get(model_id="sora-2-pro").enabled is False
    run("catalog_model", "sora-2-pro", "--enable", "--reason=launch promotion", f"--by={sam.email}")
    assert CatalogModel.objects.get(model_id="sora-2-pro").enabled is True
    message = LogEntry.objects.get(object_id=str(pro_below_cost.pk)).change_message
    assert "below its upstream cost" in message and "reason: launch promotion" in message


def test_a_model_priced_above_cost_needs_none(sam):
    CatalogModel.objects.filter(model_id="sora-2").update(enabled=False)
    CatalogSize.objects.filter(model__model_id="sora-2").update(
        upstream_usd_per_second=Decimal("0.10")
    )
    run("catalog_model", "sora-2", "--enable")
    assert CatalogModel.objects.get(model_id="sora-2").enabled is True


def test_a_model_retired_upstream_needs_one_too(sam):
    CatalogModel.objects.filter(model_id="sora-2").update(
        enabled=False, retired_upstream_at=timezone.now()
    )
    with pytest.raises(CommandError, match="retired upstream on"):
        run("catalog_model", "sora-2", "--enable")


def test_the_admin_action_asks_for_a_reason(pro_below_cost, sam, client):
    changelist = reverse("admin:catalog_catalogmodel_changelist")
    form = {"action": "enable", "_selected_action": [str(pro_below_cost.pk)]}
    asked = client.post(changelist, form)
    assert asked.status_code == 200
    assert "below its upstream cost" in asked.content.decode()
    pro_below_cost.refresh_from_db()
    assert pro_below_cost.enabled is False
    done = client.post(changelist, {**form, "post": "yes", "reason": "matching a competitor"})
    assert done.status_code == 302
    pro_below_cost.refresh_from_db()
    assert pro_below_cost.enabled is True
    entry = LogEntry.objects.get(object_id=str(pro_below_cost.pk))
    assert (entry.user, "reason: matching a competitor" in entry.change_message) == (sam, True)


def test_the_admin_shows_cost_price_and_margin_and_flags_it(pro_below_cost, sam, client):
    listing = client.get(reverse("admin:catalog_catalogmodel_changelist")).content.decode()
    assert "1280x720: 60 (0.7, -14.3 % BELOW COST)" in listing
    below = client.get(reverse("admin:catalog_catalogmodel_changelist") + "?upstream=below_cost")
    assert [model.model_id for model in below.context["cl"].result_list] == ["sora-2-pro"]
    rows = client.get("/admin/").context["dashboard"]["catalog"]
    assert rows[0]["label"] == "Models sold below upstream cost" and rows[0]["count"] == 1


def test_the_change_form_wants_a_reason_too(pro_below_cost, sam, client):
    url = reverse("admin:catalog_catalogmodel_change", args=[pro_below_cost.pk])
    pro_below_cost.enabled = True  # what the form will ask for
    refused = client.post(url, model_form(pro_below_cost))
    assert refused.status_code == 200
    assert "give a reason to enable it" in refused.content.decode()
    assert CatalogModel.objects.get(model_id="sora-2-pro").enabled is False

    done = client.post(url, model_form(pro_below_cost, enable_reason="bundle offer"))
    assert done.status_code == 302
    assert CatalogModel.objects.get(model_id="sora-2-pro").enabled is True
    message = LogEntry.objects.get(object_id=str(pro_below_cost.pk)).get_change_message()
    assert "reason: bundle offer" in message and "Enable reason" not in message


def test_the_change_form_weighs_the_reason_against_the_prices_it_saves(pro_below_cost, sam, client):
    CatalogSize.objects.filter(model=pro_below_cost, size="1280x720").update(credits_per_second=80)
    sizes = [size.size for size in pro_below_cost.sizes.all()]
    pro_below_cost.enabled = True  # and, in the same form, back below its upstream cost
    form = model_form(
        pro_below_cost, **{f"sizes-{sizes.index('1280x720')}-credits_per_second": "60"}
    )
    response = client.post(
        reverse("admin:catalog_catalogmodel_change", args=[pro_below_cost.pk]), form, follow=True
    )
    assert "Saved, but not enabled" in response.content.decode()
    pro = CatalogModel.objects.get(model_id="sora-2-pro")
    assert pro.enabled is False
    assert pro.sizes.get(size="1280x720").credits_per_second == 60
