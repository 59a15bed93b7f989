"""An OpenRouter endpoint: made by manage.py catalog_endpoint or the admin, and what its
protocol can't do shown as capabilities (no remix on offer)."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.urls import reverse

from catalog import services
from catalog.admin import CatalogModelForm
from catalog.models import CatalogModel, Protocol, ProviderEndpoint
from catalog.services import SizePrice

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_command_makes_an_openrouter_endpoint(sam):
    said = run(
        "catalog_endpoint",
        "openrouter",
        "--protocol=openrouter",
        "--base-url=https://openrouter.ai/api/v1",
        "--key-env=OPENROUTER_API_KEY",
        "--webhook-secret-env=OPENROUTER_WEBHOOK_SECRET",
        f"--by={sam.email}",
    )
    assert "created" in said
    endpoint = ProviderEndpoint.objects.get(name="openrouter")
    assert (endpoint.protocol, endpoint.auth_style, endpoint.api_key_env) == (
        Protocol.OPENROUTER,
        "bearer",  # OpenRouter's only way: not asked for
        "OPENROUTER_API_KEY",
    )
    assert endpoint.webhook_secret_env == "OPENROUTER_WEBHOOK_SECRET"
    assert LogEntry.objects.filter(user=sam).count() == 1
    assert "unchanged" in run("catalog_endpoint", "openrouter", "--protocol=openrouter")


def test_an_existing_endpoint_changes_protocol_and_says_so():
    run(
        "catalog_endpoint",
        "gateway",
        "--base-url=http://gateway.internal/v1",
        "--auth-style=bearer",
    )
    assert ProviderEndpoint.objects.get(name="gateway").protocol == Protocol.OPENAI
    said = run("catalog_endpoint", "gateway", "--protocol=openrouter")
    assert "protocol 'openai' → 'openrouter'" in said


def test_an_unknown_protocol_is_refused():
    with pytest.raises(CommandError, match="invalid choice"):
        run("catalog_endpoint", "x", "--protocol=grpc", "--base-url=http://x.internal/v1")


def test_the_admin_sets_the_protocol_and_shows_its_webhook_url(sam, client):
    response = client.post(
        reverse("admin:catalog_providerendpoint_add"),
        {
            "name": "router",
            "protocol": "openrouter",
            "base_url": "https://openrouter.ai/api/v1",
            "auth_style": "bearer",
            "api_key_env": "OPENROUTER_API_KEY",
            "webhook_secret_env": "OPENROUTER_WEBHOOK_SECRET",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = ProviderEndpoint.objects.get(name="router")
    assert endpoint.protocol == Protocol.OPENROUTER
    page = client.get(
        reverse("admin:catalog_providerendpoint_change", args=[endpoint.pk])
    ).content.decode()
    assert "/webhooks/openrouter/router" in page
    listing = client.get(reverse("admin:catalog_providerendpoint_changelist")).content.decode()
    assert "OpenRouter video API" in listing


def test_a_model_on_openrouter_is_offered_without_remix(client):
    services.put_endpoint(
        name="router",
        protocol=Protocol.OPENROUTER,
        base_url="https://openrouter.ai/api/v1",
        auth_style="bearer",
    )
    services.put_model(
        model_id="google/veo-3.1",
        endpoint="router",
        durations=[4, 8],
        sizes=[SizePrice("1280x720", 50)],
    )
    # A row that says it can remix (written before the check below existed, say): the
    # protocol has no remix, whatever the row says.
    CatalogModel.objects.filter(model_id="google/veo-3.1").update(can_remix=True)
    offers = {model["id"]: model for model in client.get("/models").json()["results"]}
    assert offers["google/veo-3.1"]["can_remix"] is False
    assert offers["sora-2"]["can_remix"] is True


def router(**fields) -> ProviderEndpoint:
    endpoint, _ = services.put_endpoint(
        name="router",
        protocol=Protocol.OPENROUTER,
        base_url="https://openrouter.ai/api/v1",
        auth_style="bearer",
        **fields,
    )
    return endpoint


def test_the_command_refuses_api_key_auth_on_openrouter():
    with pytest.raises(CommandError, match="auth_style: OpenRouter takes its key as a Bearer"):
        run(
            "catalog_endpoint",
            "router",
            "--protocol=openrouter",
            "--base-url=https://openrouter.ai/api/v1",
            "--auth-style=api-key",
        )
    assert not ProviderEndpoint.objects.filter(name="router").exists()
    router()
    with pytest.raises(CommandError, match="OpenRouter takes its key as a Bearer token"):
        run("catalog_endpoint", "router", "--auth-style=api-key")
    assert ProviderEndpoint.objects.get(name="router").auth_style == "bearer"
    # Azure's api-key header stays possible on the OpenAI protocol.
    run(
        "catalog_endpoint",
        "azure",
        "--base-url=https://x.openai.azure.com/openai/v1",
        "--auth-style=api-key",
    )


def test_the_admin_refuses_api_key_auth_on_openrouter(sam, client):
    response = client.post(
        reverse("admin:catalog_providerendpoint_add"),
        {
            "name": "router",
            "protocol": "openrouter",
            "base_url": "https://openrouter.ai/api/v1",
            "auth_style": "api-key",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "auth_style": ["OpenRouter takes its key as a Bearer token: choose bearer."]
    }
    assert not ProviderEndpoint.objects.filter(name="router").exists()


def test_can_remix_on_an_openrouter_model_is_refused_clearly():
    router()
    run(
        "catalog_model",
        "google/veo-3.1",
        "--endpoint=router",
        "--durations=4,8",
        "--size=1280x720=13",
    )
    with pytest.raises(CommandError, match="can_remix: The endpoint router speaks the OpenRouter"):
        run("catalog_model", "google/veo-3.1", "--can-remix")
    assert CatalogModel.objects.get(model_id="google/veo-3.1").can_remix is False
    # Moving a model that remixes onto OpenRouter says so too, unless it stops remixing.
    with pytest.raises(CommandError, match="has no remix: its models can't remix"):
        run("catalog_model", "sora-2", "--endpoint=router")
    assert CatalogModel.objects.get(model_id="sora-2").endpoint.name == "default"
    said = run("catalog_model", "sora-2", "--endpoint=router", "--no-remix")
    assert "endpoint 'default' → 'router'" in said
    # Not remixing on OpenRouter is fine, and so is any other change to such a model.
    run("catalog_model", "google/veo-3.1", "--no-remix", "--disable")


def test_the_admin_refuses_can_remix_on_an_openrouter_model(sam, client):
    router()
    model, _ = services.put_model(
        model_id="google/veo-3.1",
        endpoint="router",
        durations=[4, 8],
        sizes=[SizePrice("1280x720", 13)],
    )
    form = CatalogModelForm(
        data={
            **model_to_dict(model, fields=CatalogModelForm.Meta.fields),
            "durations": "4, 8",
            "can_remix": "on",
        },
        instance=model,
    )
    assert form.errors == {
        "can_remix": [
            "The endpoint router speaks the OpenRouter video API, which has no remix: "
            "its models can't remix."
        ]
    }


def test_the_endpoint_list_shows_each_margin(sam, client, settings):
    settings.DEFAULT_MARGIN_PERCENT = Decimal(30)
    router(margin_percent=Decimal("42.50"))
    listing = client.get(reverse("admin:catalog_providerendpoint_changelist"))
    rows = {
        endpoint.name: listing.context["cl"].model_admin.margin(endpoint)
        for endpoint in listing.context["cl"].result_list
    }
    assert rows == {"default": "30 % (default)", "router": "42.5 %"}
    assert "42.5 %" in listing.content.decode()
