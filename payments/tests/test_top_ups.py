"""POST /wallet/top-ups and the caller's top-ups, against localstripe."""

import uuid

import pytest

from payments.models import TopUp
from payments.tests.helpers import a_pack
from testing import api_for, person
from tests.test_dropped_database import drop_this_connection

pytestmark = [pytest.mark.payments, pytest.mark.django_db]


@pytest.fixture
def bob(db):
    return person("bob")


def test_buying_a_pack_starts_a_payment_intent_for_its_price(stripe_server, bob):
    pack = a_pack(name="Pro", credits=2000, amount=1500, currency="eur")

    answer = api_for(bob).post("/wallet/top-ups", {"pack": str(pack.pk)}, format="json")

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    top_up = TopUp.objects.get()
    assert body["id"] == str(top_up.pk)
    assert {key: body[key] for key in ("status", "pack", "credits", "amount", "currency")} == {
        "status": "pending",
        "pack": str(pack.pk),
        "credits": 2000,
        "amount": 1500,
        "currency": "eur",
    }
    assert body["publishable_key"] == "pk_test_storycraft"
    assert body["client_secret"].startswith(top_up.payment_intent + "_secret")
    intent = stripe_server.intent(top_up.payment_intent)
    assert (intent.amount, intent.currency, intent.status) == (
        1500,
        "eur",
        "requires_payment_method",
    )
    # (localstripe takes payment_method_types but doesn't echo it back.)
    assert intent.metadata.to_dict() == {"top_up": str(top_up.pk), "user": str(bob.pk)}


def test_the_same_idempotency_key_returns_the_same_top_up(stripe_server, bob):
    pack, other = a_pack(), a_pack(name="Big", credits=5000, amount=4000)
    api = api_for(bob)

    def buy(pack_id, key="buy-1"):
        return api.post(
            "/wallet/top-ups", {"pack": str(pack_id)}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )

    first, again = buy(pack.pk), buy(pack.pk)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert TopUp.objects.count() == 1
    reused = buy(other.pk)
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    assert buy(pack.pk, key="buy-2").json()["id"] != first.json()["id"]


def test_an_unknown_or_disabled_pack_is_a_400(stripe_server, bob):
    disabled = a_pack(active=False)
    api = api_for(bob)
    for pack in (str(disabled.pk), str(uuid.uuid4()), "junk", None):
        answer = api.post("/wallet/top-ups", {"pack": pack}, format="json")
        assert answer.status_code == 400
        assert "pack" in answer.json()
    assert TopUp.objects.count() == 0


def test_stripe_unreachable_is_a_503_and_nothing_is_kept(stripe_server, settings, bob):
    pack = a_pack()
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nobody listens there
    answer = api_for(bob).post("/wallet/top-ups", {"pack": str(pack.pk)}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (503, "payments_unavailable")
    assert answer["Retry-After"] == "5"
    assert TopUp.objects.count() == 0


def test_without_stripe_settings_payments_are_not_configured(settings, bob):
    pack = a_pack()
    settings.STRIPE_SECRET_KEY = ""
    answer = api_for(bob).post("/wallet/top-ups", {"pack": str(pack.pk)}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (503, "payments_not_configured")
    assert TopUp.objects.count() == 0


def test_each_customer_sees_only_their_own_top_ups(stripe_server, bob):
    pack = a_pack()
    api, eve = api_for(bob), api_for(person("eve"))
    ids = [
        api.post("/wallet/top-ups", {"pack": str(pack.pk)}, format="json").json()["id"]
        for _ in range(3)
    ]

    page = api.get("/wallet/top-ups", {"page_size": 2}).json()
    assert [row["id"] for row in page["results"]] == ids[::-1][:2]
    assert page["next"] is not None
    assert api.get(f"/wallet/top-ups/{ids[0]}").json()["status"] == "pending"
    assert eve.get("/wallet/top-ups").json()["results"] == []
    hidden = eve.get(f"/wallet/top-ups/{ids[0]}")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")
    assert api.get(f"/wallet/top-ups/{uuid.uuid4()}").status_code == 404


def test_top_ups_need_a_login(client):
    assert client.get("/wallet/top-ups").status_code == 401
    assert client.post("/wallet/top-ups", {}, content_type="application/json").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_keyed_top_up_runs_again_when_the_connection_is_lost(stripe_server, bob):
    pack = a_pack()
    api = api_for(bob)
    drop_this_connection()
    body = {"pack": str(pack.pk)}
    first = api.post("/wallet/top-ups", body, format="json", HTTP_IDEMPOTENCY_KEY="buy-1")
    assert first.status_code == 201, first.json()
    again = api.post("/wallet/top-ups", body, format="json", HTTP_IDEMPOTENCY_KEY="buy-1")
    assert again.json() == first.json() and TopUp.objects.count() == 1
