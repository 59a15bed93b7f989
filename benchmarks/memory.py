"""Memory: a large video is downloaded, served and streamed without ever sitting whole in RAM."""

import subprocess
import sys
from types import SimpleNamespace

from benchmarks.common import Result, heap_peak, size_text
from benchmarks.fixture import API_KEY, BigVideo

TARGET = 0.10
RANGE_BYTES = 10 * 1024 * 1024


def download(video: BigVideo) -> list[Result]:
    """The worker's download (provider stream -> temp file -> storage) vs `httpx.get().content`."""
    import httpx
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
