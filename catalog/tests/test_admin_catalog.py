"""The catalog in the back office: who may change it, and the history of every change."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.models import CatalogModel, ProviderEndpoint
from testing import support_agent

pytestmark = pytest.mark.django_db


def model_form(model: CatalogModel | None = None, **overrides) -> dict:
    """The admin's change form for a model, as the browser would post it back."""
    data = {
        "model_id": "google/veo-3.1-fast",
        "name": "Veo 3.1 Fast",
        "enabled": "on",
        "position": "5",
        "endpoint": str(ProviderEndpoint.objects.get(name="default").pk),
        "upstream_model": "veo-3.1-fast",
        "durations": "5, 10",
        "default_size": "1344x768",
        "max_prompt_length": "32000",
        "sizes-TOTAL_FORMS": "2",
        "sizes-INITIAL_FORMS": "0",
        "sizes-MIN_NUM_FORMS": "1",
        "sizes-MAX_NUM_FORMS": "1000",
        "sizes-0-size": "1344x768",
        "sizes-0-format": "",
        "sizes-0-credits_per_second": "30",
        "sizes-0-position": "0",
        "sizes-1-size": "768x768",
        "sizes-1-format": "",
        "sizes-1-credits_per_second": "25",
        "sizes-1-position": "1",
    }
    if model is not None:
        data.update(
            {
                "model_id": model.model_id,
                "name": model.name,
                "endpoint": str(model.endpoint_id),
                "upstream_model": model.upstream_model,
                "durations": ", ".join(str(seconds) for seconds in model.durations),
                "default_size": model.default_size,
                "position": str(model.position),
                "can_remix": "on" if model.can_remix else None,
                "image_input": "on" if model.image_input else None,
                "is_default": "on" if model.is_default else None,
                "enabled": "on" if model.enabled else None,
            }
        )
        sizes = list(model.sizes.all())
        data["sizes-TOTAL_FORMS"] = data["sizes-INITIAL_FORMS"] = str(len(sizes))
        for index, size in enumerate(sizes):
            data.update(
                {
                    f"sizes-{index}-id": str(size.pk),
                    f"sizes-{index}-model": str(model.pk),
                    f"sizes-{index}-size": size.size,
                    f"sizes-{index}-format": size.format,
                    f"sizes-{index}-credits_per_second": str(size.credits_per_second),
                    f"sizes-{index}-position": str(size.position),
                }
            )
        for key in ("sizes-1-size", "sizes-1-format", "sizes-1-credits_per_second"):
            if len(sizes) < 2:
                data.pop(key, None)
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_staff_can_add_a_model_that_is_on_offer_at_once(sam, client):
    response = client.post(reverse("admin:catalog_catalogmodel_add"), model_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    veo = CatalogModel.objects.get(model_id="google/veo-3.1-fast")
    assert veo.durations == [5, 10]
    assert [(size.size, size.format) for size in veo.sizes.all()] == [
        ("1344x768", "16:9"),
        ("768x768", "1:1"),
    ]
    assert "google/veo-3.1-fast" in [
        model["id"] for model in client.get("/models").json()["results"]
    ]


def test_a_price_change_is_in_the_history_with_who_and_what(sam, client):
    sora = CatalogModel.objects.get(model_id="sora-2")
    url = reverse("admin:catalog_catalogmodel_change", args=[sora.pk])
    response = client.post(url, model_form(sora, **{"sizes-0-credits_per_second": "25"}))
    assert response.status_code == 302
    entry = LogEntry.objects.get(object_id=str(sora.pk))
    assert entry.user == sam
    assert entry.get_change_message() == "size 1280x720: Credits per second 20 → 25."
    history = client.get(reverse("admin:catalog_catalogmodel_history", args=[sora.pk]))
    assert "20 → 25" in history.content.decode()


def test_disabling_is_recorded(sam, client):
    sora = CatalogModel.objects.get(model_id="sora-2-pro")
    client.post(
        reverse("admin:catalog_catalogmodel_changelist"),
        {"action": "disable", "_selected_action": [str(sora.pk)]},
    )
    sora.refresh_from_db()
    assert sora.enabled is False
    assert "enabled True → False" in LogEntry.objects.get(object_id=str(sora.pk)).change_message


def test_the_default_size_must_be_one_of_its_sizes(sam, client):
    response = client.post(
        reverse("admin:catalog_catalogmodel_add"), model_form(default_size="1920x1080")
    )
    assert response.status_code == 200
    assert not CatalogModel.objects.filter(model_id="google/veo-3.1-fast").exists()
    assert "must be one of the sizes" in response.content.decode()


def test_support_without_catalog_permissions_cannot_change_it(client):
    support = support_agent("sue", "wallet.move_credits")
    client.force_login(support)
    assert client.get(reverse("admin:catalog_catalogmodel_changelist")).status_code == 403
    support.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="catalog", codename__startswith="change_"
        )
    )
    assert client.get(reverse("admin:catalog_catalogmodel_changelist")).status_code == 200


def test_the_default_endpoint_cannot_be_deleted_and_shows_its_key_state(sam, client, settings):
    settings.OPENAI_API_KEY = ""
    default = ProviderEndpoint.objects.get(name="default")
    delete = client.get(reverse("admin:catalog_providerendpoint_delete", args=[default.pk]))
    assert delete.status_code == 403
    listing = client.get(reverse("admin:catalog_providerendpoint_changelist")).content.decode()
    assert "the built-in emulator" in listing
