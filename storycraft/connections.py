"""Riding out a lost database connection (a restart, a failover, pg_terminate_backend).

A request is run once more, or answered 503 with Retry-After, by one rule in one place:
storycraft.errors.DatabaseUnavailableMiddleware. Below a request, and in the workers, a
write is repeated here only when it records what already happened outside the database
(the provider's answer, a downloaded file, a keyed request's claim and answer): running the request
again could not bring that back."""

from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

# What a lost or refused connection raises. Whatever ran in a transaction on it rolled back.
LOST_CONNECTION = (OperationalError, InterfaceError)

Result = TypeVar("Result")


def once_more_on_lost_connection(work: Callable[[], Result]) -> Result:
    """Run `work`; if the connection was lost outside any transaction, run it once more on a
    new one. Only for work that is safe to repeat (row-locked, no-op when done)."""
    try:
        return work()
    except LOST_CONNECTION:
        if connection.in_atomic_block:
            raise  # the caller's transaction is gone with the connection: it must fail
        connection.close()
        return work()
