"""Credit packs as data: GET /wallet/packs and `manage.py credit_pack`."""

import pytest
from django.core.management import CommandError, call_command

from payments.models import CreditPack
from payments.tests.helpers import a_pack

pytestmark = [pytest.mark.payments, pytest.mark.django_db]


def test_the_active_packs_are_listed_in_order_without_login(client):
    big = a_pack(name="Big", credits=5000, amount=4000, position=2)
    small = a_pack(name="Small", credits=500, amount=500, position=1)
    a_pack(name="Old", active=False)

    answer = client.get("/wallet/packs", HTTP_AUTHORIZATION="Bearer stale")

    assert answer.status_code == 200
    assert answer.json() == {
        "results": [
            {
                "id": str(pack.pk),
                "name": pack.name,
                "credits": pack.credits,
                "amount": pack.amount,
                "currency": "usd",
            }
            for pack in (small, big)
        ]
    }


def test_the_list_answers_304_until_a_pack_changes(client):
    pack = a_pack()
    etag = client.get("/wallet/packs")["ETag"]
    assert client.get("/wallet/packs", HTTP_IF_NONE_MATCH=etag).status_code == 304
    pack.amount = 600
    pack.save()
    changed = client.get("/wallet/packs", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_command_creates_updates_and_disables_a_pack_idempotently():
    call_command("credit_pack", "Starter", credits=500, price="5.00", currency="usd")
    call_command("credit_pack", "Starter", credits=500, price="5.00", currency="usd")
    pack = CreditPack.objects.get()
    assert (pack.credits, pack.amount, pack.currency, pack.active) == (500, 500, "usd", True)

    call_command("credit_pack", "Starter", credits=600, price="5.50", currency="EUR", disable=True)
    pack.refresh_from_db()
    assert (pack.credits, pack.amount, pack.currency, pack.active) == (600, 550, "eur", False)
    call_command("credit_pack", "Yen", credits=100, price="500", currency="jpy")
    assert CreditPack.objects.get(name="Yen").amount == 500


@pytest.mark.parametrize("price", ["0", "-1", "5.001", "abc", "nan", "inf"])
def test_the_command_refuses_a_price_that_is_not_one(price):
    with pytest.raises(CommandError):
        call_command("credit_pack", "Bad", credits=10, price=price, currency="usd")
    assert not CreditPack.objects.exists()
