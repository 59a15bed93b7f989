"""`POST /auth/stream-ticket` and `GET /events`: the caller's job changes as Server-Sent Events."""

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from live import selectors, services
from live.broker import CATCH_UP, DRAIN, broker, uses_listen
from storycraft.proxies import ScopedRateThrottle
from storycraft.schema import errors
from videos.serializers import VideoJobSerializer

logger = logging.getLogger(__name__)


class StreamTicketSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text="Single use; put it in GET /events?ticket=...")
    expires_at = serializers.DateTimeField()


class StreamTicketView(APIView):
    """A ticket that opens one event stream, for EventSource (which can't send a token).
    Each is a row: tickets are throttled per user (LIVE_TICKET_THROTTLE_RATE)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "stream_ticket"

    @extend_schema(
        summary="A ticket for the event stream",
        request=None,
        responses={201: StreamTicketSerializer, **errors(401)},
    )
    def post(self, request):
        ticket, expires_at = services.issue_stream_ticket(user=request.user)
        response = Response(
            StreamTicketSerializer({"ticket": ticket, "expires_at": expires_at}).data,
            status=status.HTTP_201_CREATED,
        )
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


# The streams' database work runs in these few threads, each keeping its connection: a
# wake-up costs a query, not a connect, and the connections are bounded by the threads,
# not by the streams. (Never in a thread of the request's own: that thread and its
# connection would live as long as the stream.)
_database_threads = ThreadPoolExecutor(
    max_workers=settings.LIVE_DATABASE_THREADS, thread_name_prefix="live-db"
)


def _in_worker_thread(function):
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except DatabaseError:
            connection.close()  # the next call connects afresh
            raise

    async def call(*args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_database_threads, partial(run, *args, **kwargs))

    return call


def _job_frames(*, user, request, **changes) -> list[tuple[int, bytes]]:
    """`(event id, job JSON)` of the user's changed jobs (selectors.changed_jobs)."""
    context = {"request": request}
    renderer = JSONRenderer()
    return [
        (event_id, renderer.render(VideoJobSerializer(job, context=context).data))
        for event_id, job in selectors.changed_jobs(user=user, **changes)
    ]


def _frame(event_id: int, data: bytes) -> bytes:
    return b"event: job\nid: %d\ndata: %s\n\n" % (event_id, data)


def _resume_point(request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    if raw is None or raw == "":
        return None
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return -1
    return int(raw)


_STREAM_DESCRIPTION = """\
`text/event-stream` of the caller's job changes. Each change is

```
event: job
id: 1234
data: {"id": "…", "status": "completed", …, "file_url": "…"}
```

with `data` the job as `GET /videos/{id}` returns it (its state when sent). A comment line
(`: heartbeat`) comes every 15 s while nothing else does. On reconnecting, EventSource
sends `Last-Event-ID` (or pass `?last_event_id=`): the stream first replays what changed
since, up to the last 1,000 events of the last 24 hours (the latest state of each job),
then goes live. Open it with a ticket from `POST /auth/stream-ticket`: single use, valid
60 s, so a reconnect needs a new ticket (tickets are throttled per user, 30 a minute by
default). A user has at most 5 streams open (`LIVE_MAX_STREAMS_PER_USER`): opening another
ends the oldest. A stream also ends, within a heartbeat, once its user is deactivated or
logs out everywhere; it says `: closed` first.
"""


class EventStreamView(APIView):
    """Served asynchronously: an idle stream costs no thread, only a queue."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    http_method_names = ["get"]

    # Django serves a view whose handlers are async (View.view_is_async); the stubs type
    # dispatch as synchronous only.
    async def dispatch(self, request, *args, **kwargs):  # type: ignore[override]
        # Not DRF's dispatch (synchronous): the stream authenticates by its ticket.
        if request.method != "GET":
            return JsonResponse(
                {"detail": f'Method "{request.method}" not allowed.', "code": "method_not_allowed"},
                status=405,
                headers={"Allow": "GET"},
            )
        return await self.get(request)

    @extend_schema(
        operation_id="events_stream",
        summary="Your videos' changes as they happen (Server-Sent Events)",
        description=_STREAM_DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "ticket", str, required=True, description="From POST /auth/stream-ticket."
            ),
            OpenApiParameter("last_event_id", int, description="Resume after this event id."),
            OpenApiParameter(
                "Last-Event-ID",
                int,
                OpenApiParameter.HEADER,
                description="Sent by EventSource on reconnect; resume after this event id.",
            ),
        ],
        responses={
            (200, "text/event-stream"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="The event stream.",
                examples=[
                    OpenApiExample(
                        "A job completes",
                        value='event: job\nid: 42\ndata: {"id": "…", "status": "completed"}\n\n',
                        media_type="text/event-stream",
                    )
                ],
            ),
            # 400 `invalid_last_event_id`; 401 `ticket_not_valid` (missing, used, expired).
            **errors(400, 401),
        },
    )
    async def get(self, request):
        resume_after = _resume_point(request)
        if resume_after == -1:
            return JsonResponse(
                {"detail": "Last-Event-ID must be an event id.", "code": "invalid_last_event_id"},
                status=400,
            )
        user = await _in_worker_thread(services.redeem_stream_ticket)(
            ticket=request.GET.get("ticket", "")
        )
        if user is None:
            return JsonResponse(
                {
                    "detail": "This stream ticket is missing, unknown, used or expired: "
                    "get a new one from POST /auth/stream-ticket.",
                    "code": "ticket_not_valid",
                },
                status=401,
            )
        stream_id = await _in_worker_thread(services.open_stream)(user=user)
        response = StreamingHttpResponse(
            _stream(user, request, resume_after, stream_id), content_type="text/event-stream"
        )
        response["Cache-Control"] = "no-store"
        response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
        return response


def _close_stream(stream_id: int) -> None:
    try:
        services.close_stream(stream_id=stream_id)
    except DatabaseError:
        connection.close()  # the row is pushed out by the user's next streams


# Put in a stream's queue when it must end (see _StreamChecks).
CLOSE = -2


class _OpenStream:
    def __init__(self, queue: asyncio.Queue | None) -> None:
        self.queue = queue
        self.closed = False

    def close(self) -> None:
        self.closed = True
        if self.queue is not None:
            self.queue.put_nowait(CLOSE)  # wake it now; a polling stream looks each second


class _StreamChecks:
    """Once a heartbeat, one query for all the streams of this process: those no longer
    counted (pushed out by newer ones, or their user logged out everywhere or was
    deleted) or whose user was deactivated end, rather than go on sending signed links.
    One query per process, not one per stream: thousands of idle streams stay cheap."""

    def __init__(self) -> None:
        self._streams: dict[int, _OpenStream] = {}
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def add(self, stream_id: int, queue: asyncio.Queue | None) -> _OpenStream:
        self._streams[stream_id] = stream = _OpenStream(queue)
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._task = loop.create_task(self._run(), name="live-stream-checks")
        return stream

    def remove(self, stream_id: int) -> None:
        self._streams.pop(stream_id, None)

    async def _run(self) -> None:
        going_on = _in_worker_thread(services.streams_going_on)
        while self._streams:
            await asyncio.sleep(settings.LIVE_HEARTBEAT_SECONDS)
            ids = list(self._streams)
            if not ids:
                return
            try:
                alive = await going_on(stream_ids=ids)
            except DatabaseError:
                logger.warning("could not check the open event streams; trying again")
                continue
            for stream_id in set(ids) - alive:
                stream = self._streams.pop(stream_id, None)
                if stream is not None:
                    stream.close()


_checks = _StreamChecks()


async def _stream(user, request, resume_after: int | None, stream_id: int):
    listen = uses_listen()
    queue = broker.subscribe(user.pk) if listen else None
    checked = _checks.add(stream_id, queue)
    try:
        if listen:
            await broker.wait_listening(timeout=5)
        # Where we are is read after subscribing and before saying "connected": a change
        # the client makes once it sees "connected" is after it, so it is sent.
        if resume_after is None:
            last = await _in_worker_thread(selectors.latest_event_id)(user=user)
        else:
            last = resume_after
        yield b"retry: %d\n: connected\n\n" % settings.LIVE_RETRY_MS
        frames = _in_worker_thread(_job_frames)
        if resume_after is not None:
            for event_id, data in await frames(user=user, request=request, after=last, replay=True):
                last = max(last, event_id)
                yield _frame(event_id, data)
        sent_at = time.monotonic()
        while True:
            heartbeat_in = settings.LIVE_HEARTBEAT_SECONDS - (time.monotonic() - sent_at)
            wait = heartbeat_in if listen else min(heartbeat_in, settings.LIVE_POLL_SECONDS)
            notified = await _next_wake(queue, max(wait, 0))
            if broker.draining:
                return
            if checked.closed:
                yield b": closed\n\n"
                return
            if notified is None and time.monotonic() - sent_at >= settings.LIVE_HEARTBEAT_SECONDS:
                sent_at = time.monotonic()
                yield b": heartbeat\n\n"
            if notified is None and listen:
                continue
            for event_id, data in await frames(
                user=user, request=request, after=last, notified=notified or ()
            ):
                last = max(last, event_id)
                sent_at = time.monotonic()
                yield _frame(event_id, data)
    finally:
        _checks.remove(stream_id)
        if queue is not None:
            broker.unsubscribe(user.pk, queue)
        # Not awaited: a generator closed by a client that went away can't wait.
        _database_threads.submit(_close_stream, stream_id)


async def _next_wake(queue, timeout: float) -> list[int] | None:
    """The event ids notified (all that are waiting), [] to catch up, None on timeout."""
    if queue is None:
        await asyncio.sleep(timeout)
        return None
    try:
        first = await asyncio.wait_for(queue.get(), timeout)
    except TimeoutError:
        return None
    ids = [first]
    while not queue.empty():
        ids.append(queue.get_nowait())
    return [event_id for event_id in ids if event_id not in (CATCH_UP, DRAIN, CLOSE)]
