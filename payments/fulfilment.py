"""The webhook's common case in one statement on PostgreSQL: a first `payment_intent.succeeded`
for a pending top-up is recorded, the top-up marked paid and its credits granted by a single
prepared statement, which commits on its own (one round trip instead of six: B7 in
`make bench`).

It does all of that or nothing. Whenever it does nothing (no payable top-up, a wallet that
owes credits or has none yet, the same event in flight, SQLite), the step-by-step path of
payments.webhooks decides, as it does for every other event."""

from contextlib import nullcontext

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from payments.models import PAID_STATUSES, ZERO_DECIMAL_CURRENCIES, StripeEvent, TopUp, TopUpStatus
from payments.services import fulfil_payment
from storycraft.prepared import fetch_one_prepared
from wallet.services import purchase_ctes, settle_owed, takes_purchase_at_once


def _sql_list(values) -> str:
    """Our own constants (status names, currency codes) as a SQL list: fewer parameters to
    send with every delivery."""
    words = sorted(str(value) for value in values)
    if not all(word.isidentifier() and word.isascii() for word in words):
        raise ValueError(f"not plain words: {words}")
    return ", ".join(f"'{word}'" for word in words)


_PAID = _sql_list(PAID_STATUSES)
# The price as format_money writes it ("5.00 USD", "500 JPY"), for the purchase's note.
_PRICE = (
    f"CASE WHEN t.currency IN ({_sql_list(ZERO_DECIMAL_CURRENCIES)}) THEN t.amount::text "
    "ELSE (t.amount / 100)::text || '.' || lpad((t.amount %% 100)::text, 2, '0') END "
    "|| ' ' || upper(t.currency)"
)

# The event row is written only if the top-up can be paid at once (pending or failed, its
# wallet there and owing nothing, as this statement's snapshot sees them); the top-up is
# marked paid only if the event row was written; the wallet is credited and the entry
# written only for the top-up marked paid. A racing delivery of the same event waits on the
# event's primary key, then writes nothing; one of another event waits on the top-up's row,
# then finds it paid. `seen` is read from the snapshot: the event processed before.
_SUCCEEDED_EVENT = "payment_intent.succeeded"
_STATEMENT = f"""
WITH event AS (
    INSERT INTO {StripeEvent._meta.db_table} (id, type, payment_intent, received_at)
    SELECT %(event)s::varchar, '{_SUCCEEDED_EVENT}', %(payment_intent)s::varchar, %(now)s
    WHERE EXISTS (
        SELECT 1 FROM {TopUp._meta.db_table} AS t
        WHERE t.payment_intent = %(payment_intent)s AND t.status NOT IN ({_PAID})
            AND {takes_purchase_at_once("t.user_id")}
    )
    ON CONFLICT (id) DO NOTHING
    RETURNING id
), paid AS (
    UPDATE {TopUp._meta.db_table} AS t
    SET status = '{TopUpStatus.SUCCEEDED.value}', paid_at = %(now)s, updated_at = %(now)s,
        failure_message = '', charge = CASE WHEN t.charge = '' THEN %(charge)s ELSE t.charge END
    WHERE t.payment_intent = %(payment_intent)s AND t.status NOT IN ({_PAID})
        AND EXISTS (SELECT 1 FROM event)
    RETURNING t.user_id, t.credits, t.payment_intent AS payment_id,
        format('Bought %%s: %%s credits for %%s', t.pack_name, t.credits, {_PRICE}) AS note,
        jsonb_build_object('top_up', t.id::text, 'pack', t.pack_name,
            'pack_id', t.pack_id::text, 'amount', t.amount, 'currency', t.currency) AS receipt
), {purchase_ctes("paid")}
SELECT
    EXISTS (SELECT 1 FROM event),
    EXISTS (SELECT 1 FROM purchase),
    (SELECT user_id FROM credited),
    (SELECT owed FROM credited),
    EXISTS (SELECT 1 FROM {StripeEvent._meta.db_table} WHERE id = %(event)s)
"""  # noqa: S608 - our tables and constants; every value is a parameter


def fulfil_at_once(*, event_id: str, payment_intent: str, charge: str) -> bool | None:
    """Record a `payment_intent.succeeded` event and fulfil its top-up in one statement:
    True when done, False when the event was processed before, None when this path can't
    decide (the caller takes the step-by-step path)."""
    if connection.vendor != "postgresql":
        return None
    params = {
        "event": event_id,
        "payment_intent": payment_intent,
        "charge": charge,
        "now": timezone.now(),
    }
    # The statement commits on its own. Inside a caller's transaction (tests), a savepoint
    # keeps a failed statement from breaking it.
    try:
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            row = fetch_one_prepared(_STATEMENT, params)
    except IntegrityError:
        # A purchase entry for a top-up not yet paid: not ours to judge, nothing was written.
        return None
    recorded, granted, user_id, owed, seen = row or (False, False, None, None, False)
    if seen:
        return False
    if not recorded:
        return None
    if not granted:
        # Another event of this payment paid the top-up first (it waited on its row):
        # the step-by-step path fills in what is left (the charge) and grants nothing.
        fulfil_payment(payment_intent=payment_intent, charge=charge)
    elif owed:
        # The wallet came to owe credits after the snapshot: settle as a purchase does.
        settle_owed(user=get_user_model()(pk=user_id))
    return True
