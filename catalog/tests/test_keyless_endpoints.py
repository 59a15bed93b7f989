"""An endpoint whose key variable is unset would refuse every order: its models are not
offered, orders for them are refused before any credit moves, and the operator is warned."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog import services
from catalog.models import ProviderEndpoint
from testing import api_for, available, entries_of, finished_order, order, person
from videos.models import VideoJob

pytestmark = pytest.mark.django_db

WARNING = "GATEWAY_API_KEY is not set: the models of endpoint gateway are not offered"


@pytest.fixture
def veo_on_a_gateway(monkeypatch):
    """google/veo-3 on the endpoint `gateway`, whose key variable is unset."""
    monkeypatch.delenv("GATEWAY_API_KEY", raising=False)
    services.put_endpoint(
        name="gateway",
        base_url="http://litellm.internal:4000/v1",
        auth_style="bearer",
        api_key_env="GATEWAY_API_KEY",
    )
    services.put_model(
        model_id="google/veo-3",
        endpoint="gateway",
        durations=[4, 8],
        sizes=[services.SizePrice("1280x720", 30)],
    )


def offered(client) -> list[str]:
    return [model["id"] for model in client.get("/models").json()["results"]]


def test_its_models_are_not_offered_until_the_variable_is_set(client, veo_on_a_gateway):
    assert offered(client) == ["sora-2", "sora-2-pro"]
    services.put_model(model_id="sora-2", endpoint="gateway")
    assert offered(client) == ["sora-2-pro"]


def test_they_come_back_once_it_is_set(client, veo_on_a_gateway, monkeypatch):
    monkeypatch.setenv("GATEWAY_API_KEY", "sk-gateway")
    assert set(offered(client)) == {"sora-2", "sora-2-pro", "google/veo-3"}


def test_an_order_for_one_is_refused_before_any_credit_moves(veo_on_a_gateway):
    alice = person("alice", credits=500)
    before = entries_of(alice)
    response = order(api_for(alice), model="google/veo-3", seconds=4)
    assert response.status_code == 400
    assert response.json() == {
        "model": ['"google/veo-3" is not a model you can order. Available: sora-2 or sora-2-pro.']
    }
    assert available(alice) == 500 and entries_of(alice) == before
    assert not VideoJob.objects.exists()


def test_the_default_endpoint_without_a_key_uses_the_emulator_and_is_offered(client, settings):
    settings.OPENAI_API_KEY = ""
    assert offered(client) == ["sora-2", "sora-2-pro"]


def test_a_remix_of_a_video_made_there_is_refused(sora_provider, monkeypatch):
    monkeypatch.setenv("SORA_KEY", "sk-sora")
    services.put_endpoint(name="default", api_key_env="SORA_KEY")
    alice = person("alice", credits=500)
    client = api_for(alice)
    video = finished_order(client, prompt="A kite over the dunes")
    monkeypatch.delenv("SORA_KEY")
    credits = available(alice)
    response = client.post(f"/videos/{video['id']}/remix", {"prompt": "at night"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Videos made with sora-2 cannot be remixed right now."
    assert available(alice) == credits


def test_the_commands_warn(veo_on_a_gateway):
    said = StringIO()
    call_command("catalog_endpoint", "gateway", "--read-timeout=30", stdout=StringIO(), stderr=said)
    assert WARNING in said.getvalue()
    said = StringIO()
    call_command("catalog_model", "google/veo-3", "--position=3", stdout=StringIO(), stderr=said)
    assert WARNING in said.getvalue()


def test_the_commands_say_nothing_once_it_is_set(veo_on_a_gateway, monkeypatch):
    monkeypatch.setenv("GATEWAY_API_KEY", "sk-gateway")
    said = StringIO()
    call_command("catalog_endpoint", "gateway", "--read-timeout=30", stdout=StringIO(), stderr=said)
    call_command("catalog_model", "google/veo-3", "--position=3", stdout=StringIO(), stderr=said)
    assert said.getvalue() == ""


def test_the_admin_warns(client, sam, veo_on_a_gateway):
    gateway = ProviderEndpoint.objects.get(name="gateway")
    veo = gateway.models.get()
    for page in [
        "/admin/catalog/providerendpoint/",
        f"/admin/catalog/providerendpoint/{gateway.pk}/change/",
        "/admin/catalog/catalogmodel/",
        f"/admin/catalog/catalogmodel/{veo.pk}/change/",
    ]:
        assert WARNING in client.get(page).content.decode(), page
    sora = ProviderEndpoint.objects.get(name="default")
    page = client.get(f"/admin/catalog/providerendpoint/{sora.pk}/change/").content.decode()
    assert "is not set" not in page
