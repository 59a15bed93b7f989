"""One LISTEN connection per web process, fanning `job_events` notifications out to the
streams of that process.

PostgreSQL delivers a NOTIFY when the transaction that sent it commits, so a stream woken
by one always finds the event row. If the connection drops, every stream is told to catch
up from the database (it may have missed notifications), and the listener reconnects.
"""

import asyncio
import logging
from collections import defaultdict

import psycopg
from django.conf import settings
from django.db import connections

from live.triggers import CHANNEL

logger = logging.getLogger(__name__)

# Put in a stream's queue when notifications may have been lost: read the database.
CATCH_UP = 0
# Put in every stream's queue when the process shuts down: end the stream.
DRAIN = -1


def uses_listen() -> bool:
    if settings.LIVE_LISTEN is not None:
        return settings.LIVE_LISTEN
    return connections["default"].vendor == "postgresql"


class Broker:
    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.listening = asyncio.Event()
        self.draining = False

    def drain(self) -> None:
        """End every stream of this process (it is shutting down)."""
        self.draining = True
        self._fan_out_all(DRAIN)

    def subscribe(self, owner_id) -> asyncio.Queue:
        self._start()
        queue: asyncio.Queue = asyncio.Queue()
        self._queues[str(owner_id)].add(queue)
        return queue

    def unsubscribe(self, owner_id, queue: asyncio.Queue) -> None:
        queues = self._queues.get(str(owner_id))
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._queues[str(owner_id)]

    @property
    def streams(self) -> int:
        return sum(len(queues) for queues in self._queues.values())

    async def wait_listening(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self.listening.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is not None and not self._task.done() and self._loop is loop:
            return
        # A new event loop (a test's, or after a reload) gets a listener of its own.
        self._loop = loop
        self.listening = asyncio.Event()
        self._task = loop.create_task(self._listen(), name="live-events-listener")

    async def _listen(self) -> None:
        params = _connection_params()
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    **params, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self._fan_out_all(CATCH_UP)
                    async for notification in connection.notifies():
                        self._dispatch(notification.payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("event listener lost its database connection; reconnecting")
            self.listening.clear()
            self._fan_out_all(CATCH_UP)
            await asyncio.sleep(1)

    def _dispatch(self, payload: str) -> None:
        try:
            raw_id, owner_id = payload.split()
            event_id = int(raw_id)
        except ValueError:
            logger.warning("ignoring a malformed %s notification: %r", CHANNEL, payload[:100])
            return
        for queue in self._queues.get(owner_id, ()):
            queue.put_nowait(event_id)

    def _fan_out_all(self, item: int) -> None:
        for queues in self._queues.values():
            for queue in queues:
                queue.put_nowait(item)


def _connection_params() -> dict:
    # Django's own parameters (host, credentials, sslmode...) without its sync-only cursor.
    params = connections["default"].get_connection_params()
    for sync_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(sync_only, None)
    return params


broker = Broker()
