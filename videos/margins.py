"""The margin report: per model and day, what was charged in credits, what that is worth,
what the provider cost, and the gross margin. Read by the admin page and `margin_report`;
users never see costs."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from videos.models import ChargeStatus, VideoJob

ZERO = Decimal(0)
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class MarginRow:
    day: date
    model: str
    jobs: int
    credits: int
    value_usd: Decimal
    provider_cost_usd: Decimal
    estimated_costs: int  # jobs whose cost is the catalog's estimate, not the provider's word

    @property
    def gross_margin_usd(self) -> Decimal:
        return self.value_usd - self.provider_cost_usd

    @property
    def gross_margin_percent(self) -> Decimal | None:
        """The gross margin as a share of what was charged; None when nothing was."""
        if not self.value_usd:
            return None
        return (self.gross_margin_usd / self.value_usd * 100).quantize(Decimal("0.1"))


def margin_rows(*, days: int, now=None) -> list[MarginRow]:
    """Per model and day over the last `days` days (today included), newest day first.

    Credits charged are settled jobs' costs; the provider cost is every job's recorded
    cost, refunded ones included (a provider may bill a video StoryCraft refunded). A job
    counts on the day it finished, or was ordered while it has not."""
    today = timezone.localdate(now)
    since = today - timedelta(days=days - 1)
    money = DecimalField(max_digits=20, decimal_places=6)
    rows = (
        VideoJob.objects.annotate(day=TruncDate(Coalesce("completed_at", "created_at")))
        .filter(day__gte=since, day__lte=today)
        .filter(Q(charge_status=ChargeStatus.SETTLED) | Q(provider_cost_usd__isnull=False))
        .values("day", "model")
        .annotate(
            jobs=Count("pk"),
            credits=Coalesce(Sum("cost", filter=Q(charge_status=ChargeStatus.SETTLED)), 0),
            provider_cost=Coalesce(Sum("provider_cost_usd"), Value(ZERO), output_field=money),
            estimated=Count("pk", filter=Q(provider_cost_estimated=True)),
        )
        .order_by("-day", "model")
    )
    return [
        MarginRow(
            day=row["day"],
            model=row["model"],
            jobs=row["jobs"],
            credits=row["credits"],
            value_usd=row["credits"] * settings.CREDIT_VALUE_USD,
            provider_cost_usd=row["provider_cost"],
            estimated_costs=row["estimated"],
        )
        for row in rows
    ]


def totals(rows: list[MarginRow]) -> MarginRow | None:
    if not rows:
        return None
    return MarginRow(
        day=rows[-1].day,
        model="all models",
        jobs=sum(row.jobs for row in rows),
        credits=sum(row.credits for row in rows),
        value_usd=sum((row.value_usd for row in rows), ZERO),
        provider_cost_usd=sum((row.provider_cost_usd for row in rows), ZERO),
        estimated_costs=sum(row.estimated_costs for row in rows),
    )
