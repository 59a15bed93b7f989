"""An OpenRouter endpoint: made by manage.py catalog_endpoint or the admin, and what its
protocol can't do shown as capabilities (no remix on offer)."""

from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.urls import reverse

from catalog import services
from catalog.models import Protocol, ProviderEndpoint
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
        can_remix=True,  # what the row says; the protocol has no remix
        sizes=[SizePrice("1280x720", 50)],
    )
    offers = {model["id"]: model for model in client.get("/models").json()["results"]}
    assert offers["google/veo-3.1"]["can_remix"] is False
    assert offers["sora-2"]["can_remix"] is True
