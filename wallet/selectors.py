"""Read-only queries on wallets and their ledger."""

from django.db.models import OuterRef, QuerySet, Subquery

from wallet.models import RESOLUTION_KINDS, EntryKind, LedgerEntry, Wallet

HOLD_STATUS_BY_RESOLUTION = {
    None: "pending",
    EntryKind.SETTLE: "settled",
    EntryKind.RELEASE: "refunded",
}


def wallet_totals(*, user) -> dict[str, int]:
    """`{balance, reserved, available}`; zeros for a user whose wallet isn't open yet."""
    row = Wallet.objects.filter(user=user).values("balance", "reserved").first()
    balance, reserved = (row["balance"], row["reserved"]) if row else (0, 0)
    return {"balance": balance, "reserved": reserved, "available": balance - reserved}


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
