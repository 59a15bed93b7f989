"""Read-only queries on wallets and their ledger."""

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from wallet.models import RESOLUTION_KINDS, EntryKind, LedgerEntry, Wallet

HOLD_STATUS_BY_RESOLUTION = {
    None: "pending",
    EntryKind.SETTLE: "settled",
    EntryKind.RELEASE: "refunded",
}


def wallet_totals(*, user) -> dict[str, int]:
    """`{balance, reserved, available, owed}`; zeros for a user whose wallet isn't open yet."""
    row = Wallet.objects.filter(user=user).values("balance", "reserved", "owed").first()
    row = row or {"balance": 0, "reserved": 0, "owed": 0}
    return {
        "balance": row["balance"],
        "reserved": row["reserved"],
        "available": row["balance"] - row["reserved"],
        "owed": row["owed"],
    }


def available_credits(*, user) -> int:
    return wallet_totals(user=user)["available"]


def with_resolution_kind(entries: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
    """Annotate each entry with the kind of the entry that resolved it (holds only)."""
    resolutions = LedgerEntry.objects.filter(hold=OuterRef("pk"), kind__in=RESOLUTION_KINDS)
    return entries.annotate(resolution_kind=Subquery(resolutions.values("kind")[:1]))


def entries_of(*, user) -> QuerySet[LedgerEntry]:
    """The user's ledger, newest first, ready for hold_status() without extra queries."""
    return with_resolution_kind(LedgerEntry.objects.filter(wallet__user=user)).order_by(
        "-created_at", "-id"
    )


def hold_status(entry: LedgerEntry) -> str | None:
    """The state of a hold: "pending", "settled" or "refunded"; None for other kinds."""
    if entry.kind != EntryKind.HOLD:
        return None
    if hasattr(entry, "resolution_kind"):
        resolution_kind = entry.resolution_kind
    else:
        resolution_kind = entry.resolutions.values_list("kind", flat=True).first()
    return HOLD_STATUS_BY_RESOLUTION[resolution_kind]


# A spend summary reads at most this many days at once.
MAX_USAGE_DAYS = 366
USAGE_GROUPS = ("day", "model")


def usage_of(*, user, first_day: date, last_day: date, group: str) -> list[dict]:
    """Credits spent (charged for stored videos), refunded (released holds), still held and
    purchased (credit packs paid; "other" under group=model), per day or per model, from
    `first_day` to `last_day` included (days in TIME_ZONE).

    A query over the ledger joined to the video jobs: each settle or release counts on
    the day it happened, each hold still unresolved on the day it was placed."""
    if group not in USAGE_GROUPS:
        raise ValueError(f"group must be one of {USAGE_GROUPS}, not {group!r}")
    zone = timezone.get_current_timezone()
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    resolved = LedgerEntry.objects.filter(hold=OuterRef("pk"), kind__in=RESOLUTION_KINDS)
    entries = LedgerEntry.objects.filter(
        wallet__user=user,
        created_at__gte=start,
        created_at__lt=end,
        kind__in=[EntryKind.SETTLE, EntryKind.RELEASE, EntryKind.HOLD, EntryKind.PURCHASE],
    ).annotate(unresolved=~Exists(resolved))
    key: Func
    if group == "day":
        key = TruncDate("created_at", tzinfo=zone)
    else:
        # A settle or release names its job through its hold; a hold names it directly.
        key = Coalesce(F("hold__video_job__model"), F("video_job__model"), Value("other"))
    rows = (
        entries.annotate(group_key=key)
        .values("group_key")
        .annotate(
            spent=Sum(-F("balance_change"), filter=Q(kind=EntryKind.SETTLE), default=0),
            refunded=Sum(-F("reserved_change"), filter=Q(kind=EntryKind.RELEASE), default=0),
            held=Sum("reserved_change", filter=Q(kind=EntryKind.HOLD, unresolved=True), default=0),
            purchased=Sum("balance_change", filter=Q(kind=EntryKind.PURCHASE), default=0),
        )
        .order_by("group_key")
    )
    return [
        {
            group: row["group_key"],
            "spent": row["spent"],
            "refunded": row["refunded"],
            "held": row["held"],
            "purchased": row["purchased"],
        }
        for row in rows
        if row["spent"] or row["refunded"] or row["held"] or row["purchased"]
    ]


def usage_totals(rows: list[dict]) -> dict[str, int]:
    return {
        name: sum(row[name] for row in rows) for name in ("spent", "refunded", "held", "purchased")
    }


def purchased_payments(payment_ids: list[str]) -> set[str]:
    """Which of these payments (PaymentIntent ids) a purchase entry granted."""
    keys = LedgerEntry.objects.filter(kind=EntryKind.PURCHASE, key__in=payment_ids)
    return set(keys.values_list("key", flat=True))
