"""The margin report: per model and day, credits charged, their value, provider cost."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from testing import api_for, finished_order, held_jobs, person, support_agent
from videos.margins import margin_rows
from videos.models import ChargeStatus, VideoJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_day_of_sales(settings):
    """Today: two Veo videos sold at 104 credits that cost 0.80 USD each upstream, and one
    refunded that the provider billed 0.40 all the same. Yesterday: one Sora video at 80
    credits whose cost nobody recorded. One video still running, not counted."""
    settings.CREDIT_VALUE_USD = Decimal("0.01")
    alice = person("alice", credits=1000)
    now = timezone.now()
    veo = {"model": "google/veo-3.1", "upstream_model": "google/veo-3.1", "seconds": 8}
    held_jobs(
        alice,
        2,
        cost=104,
        charge_status=ChargeStatus.SETTLED,
        status="completed",
        completed_at=now,
        provider_cost_usd=Decimal("0.80"),
        **veo,
    )
    held_jobs(
        alice,
        cost=104,
        charge_status=ChargeStatus.REFUNDED,
        status="failed",
        completed_at=now,
        provider_cost_usd=Decimal("0.40"),
        provider_cost_estimated=True,
        **veo,
    )
    held_jobs(alice, cost=104, status="in_progress", **veo)
    held_jobs(
        alice,
        cost=80,
        charge_status=ChargeStatus.SETTLED,
        status="completed",
        completed_at=now - timedelta(days=1),
    )
    return now


def test_it_sums_per_model_and_day(a_day_of_sales):
    today, yesterday = margin_rows(days=7)
    assert (today.model, today.jobs, today.credits) == ("google/veo-3.1", 3, 208)
    assert today.value_usd == Decimal("2.08")
    assert today.provider_cost_usd == Decimal("2.00")
    assert today.gross_margin_usd == Decimal("0.08")
    assert today.gross_margin_percent == Decimal("3.8")
    assert today.estimated_costs == 1
    assert (yesterday.model, yesterday.credits, yesterday.provider_cost_usd) == ("sora-2", 80, 0)
    assert yesterday.day == today.day - timedelta(days=1)
    assert yesterday.gross_margin_usd == Decimal("0.80")
    assert [row.model for row in margin_rows(days=1)] == ["google/veo-3.1"]


def test_the_command_prints_the_days(a_day_of_sales):
    out = StringIO()
    call_command("margin_report", "--days=2", stdout=out)
    lines = out.getvalue().splitlines()
    day = timezone.localdate(a_day_of_sales).isoformat()
    assert f"{day}\tgoogle/veo-3.1\t3\t208\t2.08\t2.00 (1 estimated)\t0.08\t3.8" in lines
    assert "total\tall models\t4\t288\t2.88\t2.00 (1 estimated)\t0.88\t30.6" in lines


def test_the_admin_page_shows_it_to_staff_only(a_day_of_sales, client, sam):
    page = client.get(reverse("admin:videos_margin_report") + "?days=2").content.decode()
    assert "google/veo-3.1" in page and "2.08" in page and "0.08" in page and "3.8" in page
    client.force_login(support_agent("sue"))
    assert client.get(reverse("admin:videos_margin_report")).status_code == 403


def test_an_ordered_video_is_in_the_report_once_settled(sora_provider, settings):
    """End to end: ordered through the API, made by the emulator, stored, settled, reported."""
    settings.CREDIT_VALUE_USD = Decimal("0.01")
    alice = person("alice", credits=1000)
    job = finished_order(api_for(alice), model="sora-2", seconds=4, format="16:9")
    stored = VideoJob.objects.get(pk=job["id"])
    assert stored.charge_status == ChargeStatus.SETTLED

    [row] = margin_rows(days=1)

    assert (row.model, row.jobs, row.credits) == ("sora-2", 1, job["cost"])
    assert row.value_usd == job["cost"] * Decimal("0.01")
    assert row.provider_cost_usd == (stored.provider_cost_usd or 0)
    assert row.gross_margin_usd == row.value_usd - row.provider_cost_usd
