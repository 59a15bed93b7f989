"""GET /models: what a frontend builds its order form from."""

import pytest

from catalog import services
from catalog.models import CatalogModel

pytestmark = pytest.mark.django_db


def test_it_lists_the_seeded_sora_offer_without_a_login(client):
    response = client.get("/models")
    assert response.status_code == 200
    body = response.json()
    assert [model["id"] for model in body["results"]] == ["sora-2", "sora-2-pro"]
    sora, pro = body["results"]
    assert sora == {
        "id": "sora-2",
        "name": "Sora 2",
        "default": True,
        "durations": [4, 8, 12],
        "sizes": [
            {"size": "1280x720", "format": "16:9", "credits_per_second": 20},
            {"size": "720x1280", "format": "9:16", "credits_per_second": 20},
        ],
        "default_size": "1280x720",
        "can_remix": True,
        "image_input": True,
        "max_prompt_length": 32000,
    }
    assert [size["credits_per_second"] for size in pro["sizes"]] == [60, 60, 100, 100]
    assert pro["default"] is False
    assert body["styles"] == ["default", "80s", "bleach", "modern", "none"]


def test_a_stale_token_does_not_turn_it_into_a_401(client):
    response = client.get("/models/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 200


def test_it_answers_304_until_the_catalog_changes(client):
    etag = client.get("/models")["ETag"]
    assert client.get("/models", HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.put_model(
        model_id="sora-2",
        sizes=[services.SizePrice("1280x720", 25), services.SizePrice("720x1280", 20)],
    )
    changed = client.get("/models", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["results"][0]["sizes"][0]["credits_per_second"] == 25


def test_a_new_model_shows_at_once_and_a_disabled_one_goes(client):
    services.put_model(
        model_id="google/veo-3.1-fast",
        name="Veo 3.1 Fast",
        upstream_model="veo-3.1-fast",
        durations=[5, 10],
        sizes=[services.SizePrice("1344x768", 30), services.SizePrice("768x768", 25)],
    )
    CatalogModel.objects.filter(model_id="sora-2-pro").update(enabled=False)
    models = {model["id"]: model for model in client.get("/models").json()["results"]}
    assert set(models) == {"sora-2", "google/veo-3.1-fast"}
    veo = models["google/veo-3.1-fast"]
    assert veo["durations"] == [5, 10]
    assert [(size["size"], size["format"]) for size in veo["sizes"]] == [
        ("1344x768", "16:9"),
        ("768x768", "1:1"),
    ]
    assert veo["default_size"] == "1344x768"


def test_a_model_without_sizes_is_not_on_offer(client):
    CatalogModel.objects.get(model_id="sora-2-pro").sizes.all().delete()
    assert [model["id"] for model in client.get("/models").json()["results"]] == ["sora-2"]


def test_it_costs_two_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        client.get("/models")
