"""B2 the ledger: `reserve_credits` from 16 threads vs raw psycopg doing the least a hold
needs (a conditional UPDATE of the wallet and an INSERT of the entry, one transaction
each), on one shared wallet and on 16 wallets."""

import os
import threading
import time
import uuid

import psycopg

from benchmarks.common import Result
from benchmarks.poller import _pairs, ratio_result
from benchmarks.stack import analyze

THREADS = 16


def _users(count: int) -> list:
    from accounts.models import User
    from wallet.services import grant_credits

    users = []
    for _ in range(count):
        user = User.objects.create_user(email=f"ledger-{uuid.uuid4().hex[:10]}@example.com")
        grant_credits(user=user, amount=10**9, reason="benchmark")
        users.append(user)
    return users


def _in_threads(work, wallets_of_threads: list) -> float:
    """Run work(wallet) in THREADS threads at once; seconds until the last one ends."""
    gate = threading.Barrier(len(wallets_of_threads) + 1)
    errors = []

    def run(target):
        try:
            work(target, gate)
        except Exception as error:  # surfaced below
            errors.append(error)
            gate.abort()

    threads = [threading.Thread(target=run, args=(target,)) for target in wallets_of_threads]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    if errors:
        raise errors[0]
    return took


def _django_holds(holds_per_thread: int):
    def work(user, gate):
        from django.db import connection

        from wallet.services import HoldRequest, reserve_credits

        try:
            connection.ensure_connection()
            gate.wait()
            for _ in range(holds_per_thread):
                reserve_credits(
                    user=user, holds=[HoldRequest(amount=1, key=f"bench:{uuid.uuid4()}")]
                )
        finally:
            connection.close()

    return work


def _raw_holds(database_url: str, holds_per_thread: int):
    def work(user, gate):
        with psycopg.connect(database_url) as raw:
            gate.wait()
            for _ in range(holds_per_thread):
                with raw.transaction():
                    row = raw.execute(
                        "UPDATE wallet_wallet SET reserved = reserved + 1 "
                        "WHERE user_id = %s AND balance - reserved >= 1 "
                        "RETURNING id, balance, reserved",
                        [user.pk],
                    ).fetchone()
                    raw.execute(
                        "INSERT INTO wallet_ledgerentry (wallet_id, kind, balance_change, "
                        "reserved_change, balance_after, reserved_after, key, note, "
                        "created_at) VALUES (%s, 'hold', 0, 1, %s, %s, %s, '', now())",
                        [row[0], row[1], row[2], f"raw:{uuid.uuid4()}"],
                    )

    return work


def ledger(*, holds_per_thread: int = 20, pairs: int = 3) -> list[Result]:
    database_url = os.environ["DATABASE_URL"]
    users = _users(THREADS)
    analyze()
    results = []
    for title, targets in (("one wallet", [users[0]] * THREADS), (f"{THREADS} wallets", users)):
        measured, baselines = _pairs(
            lambda targets=targets: _in_threads(_django_holds(holds_per_thread), targets),
            lambda targets=targets: _in_threads(
                _raw_holds(database_url, holds_per_thread), targets
            ),
            pairs,
        )
        results.append(
            ratio_result(
                f"B2 reserve_credits, {THREADS} threads on {title}: time for "
                f"{THREADS * holds_per_thread} holds vs raw psycopg UPDATE+INSERT "
                f"({pairs} pairs)",
                measured,
                baselines,
                2.0,
                note="target <= 2 in time is >= 0.5x the raw holds per second",
            )
        )
    return results
