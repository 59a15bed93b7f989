"""The only code that moves credits.

Every movement locks the wallet row (SELECT ... FOR UPDATE, or the UPDATE that moves its
totals), writes one immutable ledger entry and updates the wallet's totals in the same
transaction, so the entries of a wallet form one chain and the totals always equal their
sums. The database's CHECK constraints
refuse a negative available amount even if this code were wrong.

None of these functions is durable: the videos app reserves credits in the transaction
that creates its jobs, and settles in the transaction that holds its job row locked.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from wallet.exceptions import CreditsOwed, HoldBelongsToVideo, InsufficientCredits, LedgerKeyReused
from wallet.models import RESOLUTION_KINDS, EntryKind, LedgerEntry, Wallet

WELCOME_KEY = "welcome"


@dataclass(frozen=True)
class HoldRequest:
    amount: int
    key: str
    note: str = ""
    video_id: uuid.UUID | None = None
    batch_id: uuid.UUID | None = None

    def __post_init__(self):
        if self.amount <= 0:
            raise ValueError("A hold must be for a positive amount.")
        if not self.key:
            raise ValueError("A hold needs an idempotency key.")


def open_wallet(*, user, welcome: bool | None = None) -> Wallet:
    """Give the user a wallet. The first time, with the welcome credits when `welcome`
    (by default when WELCOME_CREDITS_AFTER=registration). Safe to call again."""
    if welcome is None:
        welcome = settings.WELCOME_CREDITS_AFTER == "registration"
    with transaction.atomic():
        wallet, created = Wallet.objects.get_or_create(user=user)
        if created and welcome and settings.WELCOME_CREDITS > 0:
            _write_welcome(wallet)
    return wallet


def grant_welcome_credits(*, user) -> LedgerEntry | None:
    """The WELCOME_CREDITS, once per wallet however often (or concurrently) it is asked:
    the first grant is returned again. None when WELCOME_CREDITS is 0."""
    if settings.WELCOME_CREDITS <= 0:
        return None
    try:
        with transaction.atomic():
            wallet = _locked_wallet_of(user)
            if existing := wallet.entries.filter(kind=EntryKind.WELCOME).first():
                return existing
            return _write_welcome(wallet)
    except IntegrityError:
        # Another grant committed first (the database keeps one per wallet).
        return LedgerEntry.objects.get(wallet__user=user, kind=EntryKind.WELCOME)


def _write_welcome(wallet: Wallet) -> LedgerEntry:
    return _write(
        wallet,
        kind=EntryKind.WELCOME,
        balance_change=settings.WELCOME_CREDITS,
        key=WELCOME_KEY,
        note="Welcome credits",
    )


def grant_credits(
    *, user, amount: int, reason: str, staff=None, key: str | None = None
) -> LedgerEntry:
    """Add credits to the user's balance; `reason` is recorded as the entry's note."""
    _check_positive(amount)
    return adjust_credits(user=user, change=amount, reason=reason, staff=staff, key=key)


def deduct_credits(
    *, user, amount: int, reason: str, staff=None, key: str | None = None
) -> LedgerEntry:
    """Take credits from the user's available amount, never below zero."""
    _check_positive(amount)
    return adjust_credits(user=user, change=-amount, reason=reason, staff=staff, key=key)


def adjust_credits(
    *, user, change: int, reason: str, staff=None, key: str | None = None
) -> LedgerEntry:
    """Grant (`change` > 0) or deduct (`change` < 0) credits by hand, recording the reason
    and the staff member. A deduction never takes more than is available; with `key`,
    the same adjustment made again returns the first entry."""
    if change == 0:
        raise ValueError("The amount must be a non-zero number of credits.")
    if not reason.strip():
        raise ValueError("A reason is required.")
    kind = EntryKind.GRANT if change > 0 else EntryKind.DEDUCTION
    with transaction.atomic():
        wallet = _locked_wallet_of(user)
        if existing := _entry_with_key(wallet, key, kind=kind, balance_change=change):
            return existing
        if wallet.available < -change:
            raise InsufficientCredits(needed=-change, available=wallet.available)
        entry = _write(
            wallet,
            kind=kind,
            balance_change=change,
            key=key or "",
            note=reason,
            created_by=staff,
        )
        if change > 0:
            _settle_owed(wallet)
        return entry


@dataclass(frozen=True)
class Purchase:
    entry: LedgerEntry
    created: bool  # False: this payment was granted before (a replay), nothing moved now


def purchase_credits(
    *, user, amount: int, payment_id: str, note: str = "", receipt: dict | None = None
) -> Purchase:
    """Grant bought credits, once per payment (`payment_id`, the PaymentIntent's id): the
    entry's key, unique among purchases in the database. What the wallet owes is settled
    from them first."""
    _check_positive(amount)
    if not payment_id:
        raise ValueError("A purchase needs its payment's id.")
    # No savepoint: inside a caller's transaction (a webhook's), nothing here is caught.
    with transaction.atomic(savepoint=False):
        # One statement credits the wallet, locks it until commit, and does so only if this
        # payment has no purchase yet. Two calls racing with one payment: the second waits
        # on the wallet's lock, and then its INSERT breaks the unique key (nothing moves);
        # payments never races itself (its top-up row is locked first).
        wallet = _credit(user, amount, unless_purchased=payment_id)
        if wallet is None:
            existing = LedgerEntry.objects.get(kind=EntryKind.PURCHASE, key=payment_id)
            if existing.wallet.user_id != user.pk or existing.balance_change != amount:
                raise LedgerKeyReused(existing)
            return Purchase(existing, created=False)
        entry = LedgerEntry.objects.create(
            wallet=wallet,
            kind=EntryKind.PURCHASE,
            balance_change=amount,
            reserved_change=0,
            balance_after=wallet.balance,
            reserved_after=wallet.reserved,
            key=payment_id,
            note=note,
            receipt=receipt,
        )
        _settle_owed(wallet)
        return Purchase(entry, created=True)


def purchase_ctes(source: str) -> str:
    """For a caller's single statement on PostgreSQL (payments' webhook fast path): the
    CTEs `credited` and `purchase`, which do what purchase_credits does for the one row of
    the caller's CTE `source` (columns user_id, credits, payment_id, note, receipt; the
    statement's parameter `now` is the entry's time): the wallet's balance raised (its row
    locked until commit) and one `purchase` entry keyed by the payment, which the
    database's unique key keeps to one. What the wallet owes is not settled: `credited`
    returns `owed`, and the caller calls settle_owed when it is positive. Check first that
    the wallet exists (takes_purchase_at_once): without it nothing is granted."""
    wallets, entries = Wallet._meta.db_table, LedgerEntry._meta.db_table
    # Scalar subqueries, not joins: the plan (prepared once, reused) is an index lookup
    # of the one wallet however many there are.
    return (
        f"credited AS (UPDATE {wallets} AS w "  # noqa: S608 - our tables
        f"SET balance = w.balance + (SELECT credits FROM {source}) "
        f"WHERE w.user_id = (SELECT user_id FROM {source}) "
        "RETURNING w.id, w.user_id, w.balance, w.reserved, w.owed), "
        f"purchase AS (INSERT INTO {entries} (wallet_id, kind, balance_change, "
        "reserved_change, balance_after, reserved_after, key, note, receipt, created_at) "
        f"SELECT c.id, '{EntryKind.PURCHASE.value}', s.credits, 0, c.balance, c.reserved, "
        f"s.payment_id, s.note, s.receipt, %(now)s FROM credited AS c, {source} AS s "
        "RETURNING id)"
    )


def takes_purchase_at_once(user_id: str) -> str:
    """SQL for purchase_ctes' callers: true when the wallet of the user whose id is the SQL
    expression `user_id` exists and owes nothing (else purchase_credits is the way)."""
    return (
        f"(SELECT ready.owed FROM {Wallet._meta.db_table} AS ready "  # noqa: S608 - ours
        f"WHERE ready.user_id = {user_id}) = 0"
    )


def settle_owed(*, user) -> None:
    """Pay what the wallet owes from its available credits (after credits that came in
    through purchase_ctes)."""
    with transaction.atomic():
        _settle_owed(_locked_wallet_of(user))


def _credit(user, change: int, *, unless_purchased: str) -> Wallet | None:
    """Move the user's balance by `change` unless a purchase has the key `unless_purchased`,
    and return the wallet as it now is, locked until commit (the caller writes the entry);
    None when that purchase exists. Opens a missing wallet first."""
    wallets, entries = Wallet._meta.db_table, LedgerEntry._meta.db_table
    user_id = user._meta.pk.get_db_prep_value(user.pk, connection)
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {wallets} SET balance = balance + %s WHERE user_id = %s "  # noqa: S608
                f"AND NOT EXISTS (SELECT 1 FROM {entries} WHERE kind = %s AND key = %s) "
                "RETURNING id, balance, reserved, owed",
                [change, user_id, EntryKind.PURCHASE.value, unless_purchased],
            )
            row = cursor.fetchone()
        if row is not None:
            wallet = Wallet(
                id=row[0], user_id=user.pk, balance=row[1], reserved=row[2], owed=row[3]
            )
            wallet._state.adding = False
            wallet._state.db = connection.alias
            return wallet
        if LedgerEntry.objects.filter(kind=EntryKind.PURCHASE, key=unless_purchased).exists():
            return None
        open_wallet(user=user)  # users saved raw (fixtures) get their wallet on first use
    raise Wallet.DoesNotExist(f"No wallet for user {user.pk}.")


@dataclass(frozen=True)
class TakeBack:
    entry: LedgerEntry | None  # the refund entry; None when nothing was available
    taken: int
    owed: int  # what could not be taken, now owed by the wallet


def take_back_credits(*, user, amount: int, note: str) -> TakeBack:
    """Take back bought credits (a refunded or disputed payment) as a `refund` entry, never
    below zero available: what is missing (spent, or held for videos) becomes owed, and the
    wallet places no hold until a grant or a purchase settles it. Not idempotent: the
    caller (payments) counts what it took back under its own lock."""
    _check_positive(amount)
    with transaction.atomic(savepoint=False):
        wallet = _locked_wallet_of(user)
        taken = min(amount, max(wallet.available, 0))
        entry = (
            _write(wallet, kind=EntryKind.REFUND, balance_change=-taken, note=note)
            if taken
            else None
        )
        owed = amount - taken
        if owed:
            wallet.owed += owed
            wallet.save(update_fields=["owed"])
        return TakeBack(entry=entry, taken=taken, owed=owed)


def _settle_owed(wallet: Wallet) -> None:
    """After credits came in: pay what the wallet owes from them, as a refund entry."""
    settled = min(wallet.owed, wallet.available)
    if settled <= 0:
        return
    _write(
        wallet,
        kind=EntryKind.REFUND,
        balance_change=-settled,
        note="Settles credits owed after a refunded or disputed payment",
    )
    wallet.owed -= settled
    wallet.save(update_fields=["owed"])


def reserve_credits(*, user, holds: Sequence[HoldRequest]) -> list[LedgerEntry]:
    """Place every hold or none. A hold whose key was used before is returned as it was."""
    keys = [hold.key for hold in holds]
    if not holds or len(set(keys)) != len(keys):
        raise ValueError("Give at least one hold, each with its own key.")
    try:
        with transaction.atomic():
            placed = _reserve_at_once(user=user, holds=holds)
    except IntegrityError:
        # A key was used before (a replay, or a concurrent request with the same key):
        # nothing was placed; the locked path below returns or refuses it.
        placed = None
    if placed is not None:
        return placed
    with transaction.atomic():
        wallet = _locked_wallet_of(user)
        existing = {entry.key: entry for entry in _entries_with_keys(wallet, keys)}
        for hold in holds:
            if hold.key in existing:
                _check_same(existing[hold.key], kind=EntryKind.HOLD, reserved_change=hold.amount)
        needed = sum(hold.amount for hold in holds if hold.key not in existing)
        if needed and wallet.owed > 0:
            raise CreditsOwed(owed=wallet.owed)
        if needed > wallet.available:
            raise InsufficientCredits(needed=needed, available=wallet.available)
        return [
            existing.get(hold.key)
            or _write(
                wallet,
                kind=EntryKind.HOLD,
                reserved_change=hold.amount,
                key=hold.key,
                note=hold.note,
                video_id=hold.video_id,
                batch_id=hold.batch_id,
            )
            for hold in holds
        ]


def _reserve_at_once(*, user, holds: Sequence[HoldRequest]) -> list[LedgerEntry] | None:
    """The common case in two statements: raise the wallet's reserved total only if the
    credits are available (the UPDATE locks the row until commit, as SELECT ... FOR UPDATE
    would), then insert every hold entry. None when the wallet is missing, short or owes
    credits (the locked path decides); an IntegrityError when a key was used before."""
    needed = sum(hold.amount for hold in holds)
    table = Wallet._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET reserved = reserved + %s "  # noqa: S608 - our table name
            "WHERE user_id = %s AND balance - reserved >= %s AND owed = 0 "
            "RETURNING id, balance, reserved",
            # Adapted as the ORM would: SQLite stores the user's UUID as hex text.
            [needed, user._meta.pk.get_db_prep_value(user.pk, connection), needed],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    wallet_id, balance, reserved = row
    reserved -= needed
    entries = []
    for hold in holds:
        reserved += hold.amount
        entries.append(
            LedgerEntry(
                wallet_id=wallet_id,
                kind=EntryKind.HOLD,
                balance_change=0,
                reserved_change=hold.amount,
                balance_after=balance,
                reserved_after=reserved,
                key=hold.key,
                note=hold.note,
                video_id=hold.video_id,
                batch_id=hold.batch_id,
            )
        )
    return LedgerEntry.objects.bulk_create(entries)


def settle_hold(*, hold_id: int, video_id: uuid.UUID | None = None) -> LedgerEntry:
    """Charge the held credits. Returns the hold's resolution, whichever kind came first.
    A video's hold is settled only by naming its video (see HoldBelongsToVideo)."""
    return _resolve(hold_id=hold_id, video_id=video_id, kind=EntryKind.SETTLE, note="", staff=None)


def release_hold(
    *, hold_id: int, video_id: uuid.UUID | None = None, note: str = "", staff=None
) -> LedgerEntry:
    """Give the held credits back. Returns the hold's resolution, whichever kind came first.
    A video's hold is released only by naming its video (see HoldBelongsToVideo)."""
    return _resolve(
        hold_id=hold_id, video_id=video_id, kind=EntryKind.RELEASE, note=note, staff=staff
    )


def _resolve(
    *, hold_id: int, video_id: uuid.UUID | None, kind: EntryKind, note: str, staff
) -> LedgerEntry:
    with transaction.atomic():
        hold = LedgerEntry.objects.get(pk=hold_id, kind=EntryKind.HOLD)
        if hold.video_id is not None and hold.video_id != video_id:
            raise HoldBelongsToVideo(hold_id=hold.pk, video_id=hold.video_id)
        wallet = _locked_wallet(wallet_id=hold.wallet_id)
        # Under the wallet's lock nobody else can be resolving this hold right now.
        resolution = LedgerEntry.objects.filter(hold=hold, kind__in=RESOLUTION_KINDS).first()
        if resolution is not None:
            return resolution
        held = hold.reserved_change
        return _write(
            wallet,
            kind=kind,
            balance_change=-held if kind == EntryKind.SETTLE else 0,
            reserved_change=-held,
            hold=hold,
            note=note,
            created_by=staff,
            video_id=hold.video_id,
            batch_id=hold.batch_id,
        )


def _check_positive(amount: int) -> None:
    if amount <= 0:
        raise ValueError("The amount must be a positive number of credits.")


def _locked_wallet(*, wallet_id: int) -> Wallet:
    return Wallet.objects.select_for_update().get(pk=wallet_id)


def lock_wallet(*, user) -> Wallet:
    """Lock the user's wallet row until the transaction ends: what must be decided one
    order at a time (the videos app's jobs-in-flight limit) is, next to the hold."""
    return _locked_wallet_of(user)


def _locked_wallet_of(user) -> Wallet:
    wallet = Wallet.objects.select_for_update().filter(user=user).first()
    if wallet is None:
        # Users saved raw (fixtures) get their wallet on first use.
        wallet = _locked_wallet(wallet_id=open_wallet(user=user).pk)
    return wallet


def _entries_with_keys(wallet: Wallet, keys: Sequence[str]):
    # `key <> ''` lets PostgreSQL use the partial unique index (wallet, key).
    return wallet.entries.filter(key__in=keys).exclude(key="")


def _entry_with_key(wallet: Wallet, key: str | None, **expected) -> LedgerEntry | None:
    if not key:
        return None
    entry = _entries_with_keys(wallet, [key]).first()
    if entry is not None:
        _check_same(entry, **expected)
    return entry


def _check_same(entry: LedgerEntry, *, kind: str, balance_change=0, reserved_change=0) -> None:
    if (entry.kind, entry.balance_change, entry.reserved_change) != (
        kind,
        balance_change,
        reserved_change,
    ):
        raise LedgerKeyReused(entry)


def _write(
    wallet: Wallet, *, kind: str, balance_change: int = 0, reserved_change: int = 0, **fields
) -> LedgerEntry:
    """Record one movement on a wallet locked by the caller, and move its totals with it."""
    wallet.balance += balance_change
    wallet.reserved += reserved_change
    wallet.save(update_fields=["balance", "reserved"])
    return LedgerEntry.objects.create(
        wallet=wallet,
        kind=kind,
        balance_change=balance_change,
        reserved_change=reserved_change,
        balance_after=wallet.balance,
        reserved_after=wallet.reserved,
        **fields,
    )
