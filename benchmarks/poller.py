"""B3 the sweep and B5 order-to-completed: the poller against an emulator in its own process.

B3: one sweep of N due jobs (every claim until none is due) vs a raw async httpx loop
asking the emulator the same N statuses at the same concurrency; then 5,000 jobs in
flight for a while, each due every POLL_INTERVAL: how late the poller gets to them.
The same sweep row for the OpenRouter protocol (`sweep-openrouter`): jobs on an
`openrouter` endpoint at the emulator's /api/v1, the raw loop asking /api/v1/videos/{id}.
B5: a job ordered through `order_video` until `completed` (the poller running, no
webhooks) vs the same job done by hand: create, poll every 50 ms, download.
"""

import asyncio
import base64
import dataclasses
import os
import shutil
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx

from benchmarks.common import Result, time_text
from benchmarks.read import wrk_rate
from benchmarks.stack import analyze

API_KEY = "sk-emulator"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"storycraft-bench-webhooks-secret").decode()
MODEL, SECONDS, SIZE = "sora-2", 4, "720x1280"


class RequestCounter:
    """Counts the status requests of every provider client of one protocol in this process."""

    def __init__(self, protocol: str = "openai"):
        self.asked: list[str] = []
        self.protocol = protocol
        self._lock = threading.Lock()

    def __enter__(self):
        from videos.provider import provider_class

        self._class = provider_class(self.protocol)
        self._original = self._class.retrieve
        counter = self

        def retrieve(provider, provider_id):
            with counter._lock:
                counter.asked.append(provider_id)
            return counter._original(provider, provider_id)

        self._class.retrieve = retrieve
        return self

    def __exit__(self, *exc):
        self._class.retrieve = self._original


def _create_at_emulator(base_url: str, count: int, protocol: str = "openai") -> list[str]:
    from videos.provider import build_provider

    provider = build_provider(base_url=base_url, api_key=API_KEY, protocol=protocol)
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            videos = list(
                pool.map(
                    lambda n: provider.create(f"bench tide {n}", MODEL, SECONDS, SIZE),
                    range(count),
                )
            )
    finally:
        provider.close()
    return [video.id for video in videos]


def _owner():
    from accounts.models import User
    from wallet.services import grant_credits

    user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:8]}@example.com")
    grant_credits(user=user, amount=10**9, reason="benchmark")
    return user


def _jobs_for(provider_ids: list[str], endpoint=None) -> list:
    """VideoJob rows for videos already at the emulator, each with its own hold, on
    `endpoint` (None: the default one)."""
    from django.utils import timezone

    from catalog.models import DEFAULT_ENDPOINT, ProviderEndpoint
    from videos.models import JobStatus, VideoJob
    from wallet.services import HoldRequest, reserve_credits

    user = _owner()
    endpoint = endpoint or ProviderEndpoint.objects.get(name=DEFAULT_ENDPOINT)
    ids = [uuid.uuid4() for _ in provider_ids]
    holds = reserve_credits(
        user=user,
        holds=[HoldRequest(amount=1, key=f"video:{job_id}", video_id=job_id) for job_id in ids],
    )
    jobs = [
        VideoJob(
            id=job_id,
            owner=user,
            prompt=f"bench {n}",
            style="none",
            model=MODEL,
            seconds=SECONDS,
            size=SIZE,
            format="9:16",
            cost=1,
            endpoint=endpoint,
            upstream_model=MODEL,
            hold=hold,
            provider_video_id=provider_id,
            status=JobStatus.IN_PROGRESS,
            progress=1,
            next_poll_at=timezone.now() + timedelta(days=1),
        )
        for n, (job_id, hold, provider_id) in enumerate(zip(ids, holds, provider_ids, strict=True))
    ]
    VideoJob.objects.bulk_create(jobs, batch_size=1000)
    return ids


def _raw_loop(base_url: str, provider_ids: list[str], concurrency: int) -> float:
    """The baseline: an async httpx loop asking every status, `concurrency` at a time."""

    async def run() -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        headers = {"authorization": f"Bearer {API_KEY}"}
        async with httpx.AsyncClient(limits=limits, headers=headers, timeout=60) as client:
            gate = asyncio.Semaphore(concurrency)

            async def one(provider_id: str) -> None:
                async with gate:
                    response = await client.get(f"{base_url}/videos/{provider_id}")
                    response.raise_for_status()
                    response.json()

            await asyncio.gather(*(one(provider_id) for provider_id in provider_ids))

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started


def _sweep_all(job_ids: list, expected: set[str], protocol: str = "openai") -> float:
    """One sweep of every due job (one claim of them all); checks one request per due job."""
    from django.utils import timezone

    from videos.models import VideoJob
    from videos.services.polling import sweep

    VideoJob.objects.filter(pk__in=job_ids).update(next_poll_at=timezone.now())
    with RequestCounter(protocol) as counter:
        started = time.perf_counter()
        result = sweep(limit=len(job_ids))
        took = time.perf_counter() - started
    if result.claimed != len(expected) or result.polled != len(expected):
        raise RuntimeError(f"the sweep claimed {result.claimed} of {len(expected)} due jobs")
    if len(counter.asked) != len(expected) or set(counter.asked) != expected:
        raise RuntimeError(
            f"the sweep sent {len(counter.asked)} requests for {len(expected)} due jobs"
        )
    VideoJob.objects.filter(pk__in=job_ids).update(next_poll_at=timezone.now() + timedelta(1))
    return took


def _pairs(measure, baseline, count: int, *, warm_up: bool = True):
    """Interleaved: baseline, measured, baseline, measured ... after one warm-up each."""
    if warm_up:
        baseline()
        measure()
    measured, baselines = [], []
    for _ in range(count):
        baselines.append(baseline())
        measured.append(measure())
    return measured, baselines


def ratio_result(name, measured, baselines, target, note="") -> Result:
    ratios = [m / b for m, b in zip(measured, baselines, strict=True)]
    return Result(
        name,
        statistics.median(measured),
        statistics.median(baselines),
        target,
        unit=time_text,
        note=note,
        low=min(ratios),
        high=max(ratios),
        median_ratio=statistics.median(ratios),
    )


def sweep(base_url: str, *, sizes=(500, 5000), pairs=(5, 2), smoke=False) -> list[Result]:
    from django.conf import settings

    concurrency = settings.POLL_CONCURRENCY
    provider_ids = _create_at_emulator(base_url, max(sizes))
    job_ids = _jobs_for(provider_ids)
    analyze()
    results = []
    for number, (size, count) in enumerate(zip(sizes, pairs, strict=True)):
        ids, subset = job_ids[:size], provider_ids[:size]
        measured, baselines = _pairs(
            lambda ids=ids, subset=subset: _sweep_all(ids, set(subset)),
            lambda subset=subset: _raw_loop(base_url, subset, concurrency),
            count,
            warm_up=number == 0,  # the first size warms both up
        )
        results.append(
            ratio_result(
                f"B3 sweep of {size:,} due jobs vs raw async httpx loop "
                f"({concurrency} at a time, {count} pairs)",
                measured,
                baselines,
                2.0,
                note="exactly one provider request per due job: checked",
            )
        )
    raw_rate = len(job_ids) / results[-1].baseline
    server_rate = _emulator_rate(base_url, provider_ids[0], concurrency)
    results.append(
        _in_flight(job_ids, seconds=6 if smoke else 25, raw_rate=raw_rate, server_rate=server_rate)
    )
    return results


def sweep_openrouter(base_url: str, *, sizes=(500, 5000), pairs=(5, 2)) -> list[Result]:
    """B3 for the OpenRouter protocol: `base_url` is the emulator's /api/v1."""
    from django.conf import settings

    from catalog.models import Protocol, ProviderEndpoint

    concurrency = settings.POLL_CONCURRENCY
    endpoint, _ = ProviderEndpoint.objects.update_or_create(
        name="bench-openrouter",
        defaults={
            "protocol": Protocol.OPENROUTER,
            "base_url": base_url,
            "auth_style": "bearer",
            "api_key_env": "BENCH_OPENROUTER_KEY",
        },
    )
    os.environ["BENCH_OPENROUTER_KEY"] = API_KEY
    provider_ids = _create_at_emulator(base_url, max(sizes), protocol=Protocol.OPENROUTER)
    job_ids = _jobs_for(provider_ids, endpoint)
    analyze()
    results = []
    for number, (size, count) in enumerate(zip(sizes, pairs, strict=True)):
        ids, subset = job_ids[:size], provider_ids[:size]
        measured, baselines = _pairs(
            lambda ids=ids, subset=subset: _sweep_all(ids, set(subset), Protocol.OPENROUTER),
            lambda subset=subset: _raw_loop(base_url, subset, concurrency),
            count,
            warm_up=number == 0,
        )
        results.append(
            ratio_result(
                f"B3 OpenRouter protocol: sweep of {size:,} due jobs vs raw async httpx loop "
                f"({concurrency} at a time, {count} pairs)",
                measured,
                baselines,
                2.0,
                note="exactly one provider request per due job: checked",
            )
        )
    return results


def _emulator_rate(base_url: str, provider_id: str, concurrency: int) -> float | None:
    """What the emulator itself serves: wrk asking one status, `concurrency` connections."""
    if shutil.which("wrk") is None:
        return None
    headers = {"Authorization": f"Bearer {API_KEY}"}
    return wrk_rate(f"{base_url}/videos/{provider_id}", headers, 2, connections=concurrency)


def _in_flight(
    job_ids: list, *, seconds: float, raw_rate: float, server_rate: float | None
) -> Result:
    """Every job due once per POLL_INTERVAL, spread over the first interval: the longest
    time a job waited between two asks vs the interval it was given."""
    from django.conf import settings
    from django.db.models.expressions import RawSQL
    from django.utils import timezone

    from videos.models import VideoJob
    from videos.services import polling

    interval = settings.POLL_INTERVAL_SECONDS
    VideoJob.objects.filter(pk__in=job_ids).update(
        next_poll_at=RawSQL("now() + random() * %s * interval '1 second'", [interval])
    )
    late: list[float] = []
    original = polling.claim_due_jobs

    def claiming(**kwargs):
        jobs = original(**kwargs)
        claimed = timezone.now()
        late.extend((claimed - job.next_poll_at).total_seconds() for job in jobs)
        return jobs

    polling.claim_due_jobs = claiming
    try:
        polling.run_sweeper(seconds=seconds)
    finally:
        polling.claim_due_jobs = original
    VideoJob.objects.filter(pk__in=job_ids).update(next_poll_at=timezone.now() + timedelta(1))
    worst = max(late) if late else float("inf")
    return Result(
        f"B3 {len(job_ids):,} jobs in flight for {seconds:.0f} s: longest gap between asks "
        f"vs the {interval} s interval ({len(late):,} asks)",
        interval + worst,
        interval,
        1.2,
        unit=lambda value: f"{value:.2f} s",
        note=(
            f"{len(late) / seconds:.0f} asks/s; the raw async httpx loop got {raw_rate:.0f} "
            f"answers/s, and asking {len(job_ids):,} jobs every {interval} s takes "
            f"{len(job_ids) / interval:.0f}/s"
            + (f"; wrk gets {server_rate:,.0f}/s from the same emulator" if server_rate else "")
            + (f"; p99 lateness {statistics.quantiles(late, n=100)[98]:.2f} s" if late else "")
        ),
    )


def _spec():
    from catalog.selectors import orderable_offer
    from videos.pricing import VideoSpec

    offer = orderable_offer(MODEL)
    size = next(size for size in offer.sizes if size.size == SIZE)
    return VideoSpec.of(offer, size, prompt="", style="none", seconds=SECONDS)


def _order_to_completed(user, spec, n: int) -> float:
    """Order through `order_video` and run the poller until the job is completed."""
    from videos.models import JobStatus, VideoJob
    from videos.services import polling
    from videos.services.ordering import order_video

    started = time.time()
    job = order_video(user=user, spec=dataclasses.replace(spec, prompt=f"bench heron {n}"))

    def finished() -> bool:
        return VideoJob.objects.filter(pk=job.pk, status=JobStatus.COMPLETED).exists()

    polling.run_sweeper(seconds=120, stop=finished, download_now=True)
    if not finished():
        raise RuntimeError(f"job {job.pk} did not complete")
    # Until it was completed, whoever completed it (a webhook's follow-up in the web
    # process, or this poller), not until the idle poller next looked (up to 1 s later).
    return VideoJob.objects.get(pk=job.pk).completed_at.timestamp() - started


def _by_hand(base_url: str, n: int) -> float:
    """The baseline: create, ask every 50 ms until completed, download the MP4."""
    from videos.provider import build_provider

    provider = build_provider(base_url=base_url, api_key=API_KEY)
    try:
        started = time.perf_counter()
        video = provider.create(f"bench kingfisher {n}", MODEL, SECONDS, SIZE)
        while video.status != "completed":
            time.sleep(0.05)
            video = provider.retrieve(video.id)
        with provider.stream_content(video.id) as chunks:
            for _ in chunks:
                pass
        return time.perf_counter() - started
    finally:
        provider.close()


def order_to_completed(base_url: str, *, pairs: int = 3, webhook_secret: str = "") -> list[Result]:
    """`webhook_secret`: the emulator sends webhooks to a web process with that secret
    (make run's default); the poller here runs all the same, as it does in production."""
    from django.test import override_settings

    from videos.provider import reset_provider

    user = _owner()
    with override_settings(
        OPENAI_BASE_URL=base_url, OPENAI_API_KEY=API_KEY, OPENAI_WEBHOOK_SECRET=webhook_secret
    ):
        reset_provider()
        try:
            spec = _spec()
            counter = iter(range(10**6))
            measured, baselines = _pairs(
                lambda: _order_to_completed(user, spec, next(counter)),
                lambda: _by_hand(base_url, next(counter)),
                pairs,
            )
        finally:
            reset_provider()
    if webhook_secret:
        from videos.models import WebhookDelivery

        received = WebhookDelivery.objects.filter(event_type="video.completed").count()
        if received < pairs:
            raise RuntimeError(f"{received} completion webhooks arrived for {pairs + 1} jobs")
    return [
        ratio_result(
            f"B5 order to completed, webhooks {'on' if webhook_secret else 'off'}, vs create "
            f"+ poll every 50 ms + download ({pairs} pairs)",
            measured,
            baselines,
            1.3,
            note=(
                "webhooks to gunicorn as docker runs it, the follow-up (refresh, download) "
                "run there at once (Q_SYNC) instead of by a worker"
                if webhook_secret
                else ""
            ),
        )
    ]
