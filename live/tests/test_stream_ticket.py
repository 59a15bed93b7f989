"""POST /auth/stream-ticket: a single-use ticket, valid 60 s, never cached."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from live.models import StreamTicket
from live.services import redeem_stream_ticket
from testing import api_for, person

pytestmark = pytest.mark.django_db


def test_it_issues_a_ticket_that_expires_in_a_minute():
    ann = person("ann")
    response = api_for(ann).post("/auth/stream-ticket")
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    expires_at = timezone.datetime.fromisoformat(body["expires_at"])
    assert 55 < (expires_at - timezone.now()).total_seconds() <= 60
    # Only its hash is stored.
    (stored,) = StreamTicket.objects.all()
    assert stored.user == ann and body["ticket"] not in stored.digest


def test_it_needs_a_bearer_token():
    response = APIClient().post("/auth/stream-ticket")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_ticket_works_once():
    ann = person("ann")
    ticket = api_for(ann).post("/auth/stream-ticket/").json()["ticket"]
    assert redeem_stream_ticket(ticket=ticket) == ann
    assert redeem_stream_ticket(ticket=ticket) is None


def test_an_expired_ticket_is_refused():
    ticket = api_for(person("ann")).post("/auth/stream-ticket").json()["ticket"]
    StreamTicket.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert redeem_stream_ticket(ticket=ticket) is None


def test_an_unknown_or_junk_ticket_is_refused():
    assert redeem_stream_ticket(ticket="not-a-ticket") is None
    assert redeem_stream_ticket(ticket="x" * 10_000) is None
    assert redeem_stream_ticket(ticket="") is None


def test_a_deactivated_users_ticket_is_refused():
    ann = person("ann")
    ticket = api_for(ann).post("/auth/stream-ticket").json()["ticket"]
    ann.is_active = False
    ann.save()
    assert redeem_stream_ticket(ticket=ticket) is None
