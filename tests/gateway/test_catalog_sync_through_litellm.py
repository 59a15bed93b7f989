"""sync_catalog on an OpenAI-protocol gateway: LiteLLM's `GET /v1/models` gives ids only."""

import pytest

from catalog import services
from catalog.models import CatalogModel
from catalog.upstream import can_list_models

pytestmark = [pytest.mark.gateway, pytest.mark.django_db]


def test_a_gateways_models_land_disabled_by_id_and_need_their_offer(litellm_gateway, monkeypatch):
    monkeypatch.setenv("GATEWAY_API_KEY", litellm_gateway.api_key)
    gateway, _ = services.put_endpoint(
        name="gateway",
        base_url=litellm_gateway.base_url,
        auth_style="bearer",
        api_key_env="GATEWAY_API_KEY",
    )
    # The Veo route is already sold from this gateway, by hand, under a name of its own.
    services.put_model(
        model_id="google/veo-3.1-fast",
        endpoint="gateway",
        upstream_model="veo-3.1-fast",
        durations=[5, 10],
        sizes=[services.SizePrice("1344x768", 30)],
    )
    assert not can_list_models(gateway)

    sync = services.sync_catalog(endpoint=gateway)

    assert sync.ok, sync.error
    assert sync.listed == len(litellm_gateway.routes)
    # sora-2 and sora-2-pro are the default endpoint's ids: the gateway's get its name.
    new = CatalogModel.objects.filter(endpoint=gateway, enabled=False).order_by("model_id")
    assert [(model.model_id, model.upstream_model) for model in new] == [
        ("gateway:sora-2", "sora-2"),
        ("gateway:sora-2-pro", "sora-2-pro"),
    ]
    assert all(model.durations == [] and not model.sizes.exists() for model in new)
    assert {change["kind"] for change in sync.changes} == {"new"}
    assert CatalogModel.objects.get(model_id="google/veo-3.1-fast").enabled is True
    # Having listed once, the gateway is in the daily sync; a second run changes nothing.
    assert can_list_models(gateway)
    assert services.sync_catalog(endpoint=gateway).changes == []
