"""B1 the read path: `wrk` against gunicorn started as docker/entrypoint.sh starts it
(uvicorn workers, DEBUG off, PostgreSQL, the production settings), each real path against
a bare ORM JsonResponse view served by the same process from the same database
(benchmarks.read_urls, bench-only). Ratios in requests/s, interleaved pairs.

- GET /videos/{id} vs the bare view of the same row;
- GET /videos, a page of 20 of a user with 10,000 jobs, vs the same 20 rows as JSON;
- GET /videos/{id} with If-None-Match (a 304) vs the bare view.
"""

import re
import shutil
import statistics
import subprocess
import uuid
from pathlib import Path

import httpx

from benchmarks.common import Result
from benchmarks.stack import analyze, web_process

ROOT = Path(__file__).resolve().parent.parent
JOBS = 10_000
CONNECTIONS = 4  # wrk's open connections; one worker serves them


def run(workdir: Path, *, smoke: bool = False) -> list[Result]:
    if shutil.which("wrk") is None:
        raise RuntimeError("B1 needs wrk: apt-get install wrk (.ci/run installs it)")
    owner, detail_id = _fixture(200 if smoke else JOBS)
    analyze()
    seconds, pairs = (1, 1) if smoke else (2, 5)
    # One worker: wrk and PostgreSQL share the other core.
    with web_process(workdir, settings="benchmarks.read_settings") as process:
        web = process.url
        token = _token(owner)
        auth = {"Authorization": f"Bearer {token}"}
        etag = _check(web, auth, owner, detail_id)
        cases = [
            (
                "B1 GET /videos/{id} vs a bare ORM JsonResponse view",
                [f"{web}/videos/{detail_id}", auth],
                [f"{web}/bare/videos/{detail_id}", {}],
                0.6,
            ),
            (
                f"B1 GET /videos, a page of 20 of a {JOBS if not smoke else 200:,}-job user, "
                "vs the same 20 rows as JSON",
                [f"{web}/videos", auth],
                [f"{web}/bare/owners/{owner.pk}/videos", {}],
                0.5,
            ),
            (
                "B1 GET /videos/{id} answered 304 (If-None-Match) vs the bare view",
                [f"{web}/videos/{detail_id}", {**auth, "If-None-Match": etag}],
                [f"{web}/bare/videos/{detail_id}", {}],
                0.85,
            ),
        ]
        results = []
        for name, (url, headers), (bare_url, bare_headers), target in cases:
            wrk_rate(url, headers, 1)  # warm up both
            wrk_rate(bare_url, bare_headers, 1)
            real, bare = [], []
            for _ in range(pairs):
                bare.append(wrk_rate(bare_url, bare_headers, seconds))
                real.append(wrk_rate(url, headers, seconds))
            ratios = [r / b for r, b in zip(real, bare, strict=True)]
            results.append(
                Result(
                    f"{name} ({pairs} pairs of {seconds} s)",
                    statistics.median(real),
                    statistics.median(bare),
                    target,
                    unit=lambda value: f"{value:,.0f} req/s",
                    low=min(ratios),
                    high=max(ratios),
                    median_ratio=statistics.median(ratios),
                    at_least=True,
                    note=f"wrk -t1 -c{CONNECTIONS}, one gunicorn uvicorn worker",
                )
            )
    return results


def _fixture(count: int):
    """A user with `count` jobs (each with its hold), one in progress to poll."""
    from django.utils import timezone

    from benchmarks.poller import _owner
    from catalog.models import DEFAULT_ENDPOINT, ProviderEndpoint
    from videos.models import JobStatus, VideoJob
    from wallet.services import HoldRequest, reserve_credits

    user = _owner()
    endpoint = ProviderEndpoint.objects.get(name=DEFAULT_ENDPOINT)
    ids = [uuid.uuid4() for _ in range(count)]
    holds = []
    for start in range(0, count, 1000):
        holds += reserve_credits(
            user=user,
            holds=[
                HoldRequest(amount=1, key=f"video:{job_id}", video_id=job_id)
                for job_id in ids[start : start + 1000]
            ],
        )
    now = timezone.now()
    jobs = []
    for n, (job_id, hold) in enumerate(zip(ids, holds, strict=True)):
        # A mix like a real history: most completed with a file and a poster.
        done = n % 4 != 0
        jobs.append(
            VideoJob(
                id=job_id,
                owner=user,
                prompt=f"A paper boat sails down a rainy street, take {n}",
                style="none",
                model="sora-2",
                seconds=4,
                size="720x1280",
                format="9:16",
                cost=1,
                endpoint=endpoint,
                upstream_model="sora-2",
                hold=hold,
                provider_video_id=f"video_{job_id.hex}",
                status=JobStatus.COMPLETED if done else JobStatus.IN_PROGRESS,
                progress=100 if done else 40,
                file=f"videos/{job_id}.mp4" if done else "",
                thumbnail=f"videos/{job_id}.webp" if done else "",
                completed_at=now if done else None,
            )
        )
    VideoJob.objects.bulk_create(jobs, batch_size=1000)
    return user, ids[-4]  # the newest in-progress job (n % 4 == 0)


def _token(user) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(user))


def _check(web: str, auth: dict, owner, detail_id) -> str:
    """Each URL answers as the benchmark assumes before wrk counts it; the job's ETag."""
    with httpx.Client(timeout=30) as client:
        detail = client.get(f"{web}/videos/{detail_id}", headers=auth)
        assert detail.status_code == 200, detail.text
        page = client.get(f"{web}/videos", headers=auth).json()["results"]
        bare = client.get(f"{web}/bare/owners/{owner.pk}/videos").json()["results"]
        assert [job["id"] for job in page] == [job["id"] for job in bare], "not the same rows"
        assert len(page) == 20
        assert client.get(f"{web}/bare/videos/{detail_id}").json()["id"] == str(detail_id)
        etag = detail.headers["ETag"]
        again = client.get(f"{web}/videos/{detail_id}", headers={**auth, "If-None-Match": etag})
        assert again.status_code == 304, again.text
        assert client.get(f"{web}/videos/{detail_id}").status_code == 401
    return etag


def wrk_rate(url: str, headers: dict, seconds: int, *, connections: int = CONNECTIONS) -> float:
    """Requests per second; any answer other than the expected status is an error."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(  # noqa: S603 (wrk, our arguments)
        [*command, url], capture_output=True, text=True, check=True
    )
    out = done.stdout
    # wrk counts 304 as a success ("Non-2xx or 3xx" are the failures).
    if "Non-2xx or 3xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors against {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
