"""Memory: a large video is downloaded, served and streamed without ever sitting whole in RAM."""

import os
import statistics
import subprocess
import sys
from types import SimpleNamespace

import httpx

from benchmarks.common import Result, heap_peak, size_text
from benchmarks.fixture import API_KEY, BigVideo, padded_video

TARGET = 0.10
RANGE_BYTES = 10 * 1024 * 1024


def download(video: BigVideo) -> list[Result]:
    """The worker's download (provider stream -> storage) vs `httpx.get().content`."""
    from django.core.files.storage import default_storage
    from django.test import override_settings

    from videos.provider import get_provider, reset_provider
    from videos.services.download import _store

    def naive() -> int:
        return len(httpx.get(video.content_url, headers=video.headers, timeout=60).content)

    baseline, received = heap_peak(naive)
    if received != video.size:
        raise RuntimeError(f"baseline received {received} of {video.size} bytes")

    # `_store` only reads `.provider_video_id` and `.endpoint` (None: the default) from the job.
    job = SimpleNamespace(provider_video_id=video.video_id, endpoint=None)
    name = "videos/bench/downloaded.mp4"
    with override_settings(OPENAI_BASE_URL=video.base_url, OPENAI_API_KEY=API_KEY):
        reset_provider()
        try:
            get_provider()  # the worker's shared client already exists when a download runs
            measured, _ = heap_peak(lambda: _store(job, name))
        finally:
            reset_provider()
    stored = default_storage.size(name)
    default_storage.delete(name)
    if stored != video.size:
        raise RuntimeError(f"_store saved {stored} of {video.size} bytes")
    return [
        Result(
            f"download {size_text(video.size)}: _store vs httpx .content",
            measured,
            baseline,
            TARGET,
        )
    ]


def serve(video: BigVideo) -> list[Result]:
    """`ranged_file_response` iterated to the end vs reading the same bytes with `.read()`."""
    from django.core.files import File
    from django.core.files.storage import default_storage
    from django.test import RequestFactory

    from videos.ranged import ranged_file_response

    with video.path.open("rb") as source:
        name = default_storage.save("videos/bench/served.mp4", File(source, name="served.mp4"))
    size = default_storage.size(name)
    factory = RequestFactory()

    def streamed(range_header: str | None) -> tuple[int, int]:
        extra = {"HTTP_RANGE": range_header} if range_header else {}
        request = factory.get("/v1/videos/bench/file", **extra)
        response = ranged_file_response(
            request,
            default_storage.open(name, "rb"),
            size=size,
            content_type="video/mp4",
            filename="bench.mp4",
        )
        sent = 0
        for chunk in response.streaming_content:
            sent += len(chunk)
        response.close()
        return response.status_code, sent

    def read(start: int, length: int | None) -> int:
        with default_storage.open(name, "rb") as fileobj:
            fileobj.seek(start)
            return len(fileobj.read() if length is None else fileobj.read(length))

    start = size // 3
    end = start + RANGE_BYTES - 1
    cases = [
        (f"serve whole {size_text(size)}: ranged response vs .read()", None, 0, None, 200, size),
        (
            f"serve Range {size_text(RANGE_BYTES)}: ranged response vs .read(n)",
            f"bytes={start}-{end}",
            start,
            RANGE_BYTES,
            206,
            RANGE_BYTES,
        ),
    ]
    results = []
    try:
        for title, header, offset, length, status, expected in cases:
            baseline, read_bytes = heap_peak(
                lambda offset=offset, length=length: read(offset, length)
            )
            measured, (got_status, sent) = heap_peak(lambda header=header: streamed(header))
            if (got_status, sent) != (status, expected) or read_bytes != expected:
                raise RuntimeError(
                    f"{title}: status {got_status}, sent {sent}, read {read_bytes}; "
                    f"expected {status} and {expected} bytes"
                )
            results.append(Result(title, measured, baseline, TARGET))
    finally:
        default_storage.delete(name)
    return results


# A client in its own process, so that only the emulator's allocations are traced here.
_CLIENT = """
import sys, httpx
received = 0
with httpx.stream("GET", sys.argv[1], headers={"authorization": sys.argv[2]}, timeout=60) as r:
    r.raise_for_status()
    for chunk in r.iter_raw():
        received += len(chunk)
print(received)
"""


def emulator(video: BigVideo) -> list[Result]:
    """The emulator's heap peak while it streams the video, against the size of the video."""

    def download_elsewhere() -> int:
        done = subprocess.run(  # noqa: S603 - this interpreter, our own fixed script
            [sys.executable, "-c", _CLIENT, video.content_url, video.headers["authorization"]],
            capture_output=True,
            check=True,
            text=True,
            timeout=120,
        )
        return int(done.stdout)

    measured, received = heap_peak(download_elsewhere)
    if received != video.size:
        raise RuntimeError(f"the client received {received} of {video.size} bytes")
    return [
        Result(
            f"emulator streams {size_text(video.size)}: heap peak vs file size",
            measured,
            video.size,
            TARGET,
        )
    ]


# B4: one download in a process of its own after a smaller one (what a running worker has
# warm), its peak RSS growth (VmHWM, reset just before, less VmRSS then) and time.
# "store" is the worker's `_store` (Django set up from the environment, the provider client
# built, as in a worker); "raw" is an httpx stream into a temporary file, the least any
# download to disk does.
_RSS_CHILD = """
import re, sys, tempfile, time
from pathlib import Path
def status(field):
    text = Path("/proc/self/status").read_text()
    return int(re.search(field + r":\\s+(\\d+) kB", text).group(1)) * 1024
mode, base_url, video_id, warm_up_id, key = sys.argv[1:6]
if mode == "store":
    import django
    django.setup()
    from types import SimpleNamespace
    from django.core.files.storage import default_storage
    from videos.provider import get_provider
    from videos.services.download import _store
    get_provider()
    name = "videos/bench/rss.mp4"
    def work(video_id=video_id):
        _store(SimpleNamespace(provider_video_id=video_id, endpoint=None), name)
        return default_storage.size(name)
    def clean_up():
        default_storage.delete(name)
else:
    import httpx
    client = httpx.Client(headers={"authorization": f"Bearer {key}"}, timeout=60)
    def work(video_id=video_id):
        size = 0
        url = f"{base_url}/videos/{video_id}/content"
        with tempfile.TemporaryFile() as spool, client.stream("GET", url) as response:
            response.raise_for_status()
            for chunk in response.iter_bytes():
                size += spool.write(chunk)
        return size
    def clean_up():
        pass
work(warm_up_id)  # imports, code paths and connections a worker has warm
clean_up()
Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
before = status("VmRSS")
started = time.perf_counter()
size = work()
took = time.perf_counter() - started
clean_up()
print(status("VmHWM") - before, took, size)
"""
RSS_BYTES = 200_000_000
# Both grow by a few hundred KiB at most (0.2 % of the file), and at that size RSS moves in
# pages and allocator arenas: the ratio counts any growth under RSS_FLOOR as RSS_FLOOR. A
# download that held the file in memory would still be about 200 times the raw stream.
RSS_FLOOR = 1024 * 1024
RSS_TARGET = 2.0
# On local storage `_store` writes the file once, as the raw stream does: into a temporary
# file next to its final name, renamed when complete (a half-received file never takes
# the name). What it adds: the MP4 check, lease heartbeats, the rename.
TIME_TARGET = 1.3


def download_rss(video: BigVideo, *, size: int = RSS_BYTES, pairs: int = 3) -> list[Result]:
    """B4: the worker's download of a `size`-byte video vs a raw httpx stream, each in a
    child process, interleaved pairs: peak RSS growth, and time."""
    video_id = padded_video(video, size)
    env = {**os.environ, "OPENAI_BASE_URL": video.base_url, "OPENAI_API_KEY": API_KEY}

    def child(mode: str) -> tuple[float, float]:
        done = subprocess.run(  # noqa: S603 - this interpreter, our own fixed script
            [
                sys.executable,
                "-c",
                _RSS_CHILD,
                mode,
                video.base_url,
                video_id,
                video.video_id,
                API_KEY,
            ],
            capture_output=True,
            check=True,
            text=True,
            timeout=300,
            env=env,
        )
        growth, took, received = done.stdout.split()
        if int(received) != size:
            raise RuntimeError(f"{mode}: received {received} of {size} bytes")
        return float(growth), float(took)

    rss, seconds = ([], []), ([], [])
    for _ in range(pairs):
        for side, mode in enumerate(("raw", "store")):
            growth, took = child(mode)
            rss[side].append(growth)
            seconds[side].append(took)

    def result(name, measured, baseline, target, unit, floor=0.0, note="") -> Result:
        ratios = [max(m, floor) / max(b, floor) for m, b in zip(measured, baseline, strict=True)]
        return Result(
            name,
            statistics.median(measured),
            statistics.median(baseline),
            target,
            unit=unit,
            low=min(ratios),
            high=max(ratios),
            median_ratio=statistics.median(ratios),
            note=note,
        )

    title = f"B4 download {size / 1e6:.0f} MB in a worker process vs a raw httpx stream"
    return [
        result(
            f"{title}: peak RSS growth ({pairs} pairs)",
            rss[1],
            rss[0],
            RSS_TARGET,
            size_text,
            floor=RSS_FLOOR,
            note=f"growth under {size_text(RSS_FLOOR)} counts as {size_text(RSS_FLOOR)} in the "
            f"ratio; worker {size_text(max(rss[1]))} at most, raw {size_text(max(rss[0]))}",
        ),
        result(
            f"{title}: time ({pairs} pairs)",
            seconds[1],
            seconds[0],
            TIME_TARGET,
            lambda value: f"{value * 1000:.0f} ms",
            note="both write the file once (the worker under a temporary name, then renames it)",
        ),
    ]
