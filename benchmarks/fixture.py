"""The emulator in a thread, and one large finished video on it."""

import time
from dataclasses import dataclass
from pathlib import Path

from sora_emulator import EmulatorServer, serve_in_thread
from sora_emulator.media import media_file

API_KEY = "sk-emulator"
# 12 s of 1792x1024 at a constant 16 Mbit/s: about 23 MiB, well above the 20 MB asked for.
BITRATE_KBPS = 16_000
MIN_VIDEO_BYTES = 20_000_000
PROMPT = "A lighthouse in a storm, waves breaking over the rocks"
MODEL, SECONDS, SIZE = "sora-2-pro", 12, "1792x1024"


@dataclass
class BigVideo:
    server: EmulatorServer
    base_url: str
    video_id: str
    path: Path  # the emulator's cached MP4: the bytes every download returns
    size: int

    @property
    def content_url(self) -> str:
        return f"{self.base_url}/videos/{self.video_id}/content"

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {API_KEY}"}


def start_emulator(workdir: Path) -> tuple[EmulatorServer, str]:
    return serve_in_thread(
        job_seconds=1.0,
        bitrate_kbps=BITRATE_KBPS,
        cache_dir=workdir / "emulator-cache",
        poll_after_ms=200,
    )


def big_video(server: EmulatorServer, base_url: str) -> BigVideo:
    """Order the video, wait for it, and download it once (the emulator encodes on first use)."""
    from videos.provider import build_provider

    provider = build_provider(base_url=base_url, api_key=API_KEY)
    try:
        video = provider.create(PROMPT, MODEL, SECONDS, SIZE)
        deadline = time.monotonic() + 60
        while video.status != "completed":
            if video.status == "failed" or time.monotonic() > deadline:
                raise RuntimeError(f"emulated video ended as {video.status!r}")
            time.sleep(video.poll_after_seconds or 0.2)
            video = provider.retrieve(video.id)
        received = 0
        with provider.stream_content(video.id) as chunks:
            for chunk in chunks:
                received += len(chunk)
    finally:
        provider.close()
    path = media_file(PROMPT, SIZE, SECONDS, "video", server.settings)
    size = path.stat().st_size
    if received != size:
        raise RuntimeError(f"downloaded {received} bytes of a {size}-byte file")
    if size < MIN_VIDEO_BYTES:
        raise RuntimeError(f"the emulated video is only {size} bytes; raise BITRATE_KBPS")
    return BigVideo(server, base_url, video.id, path, size)


def padded_video(video: BigVideo, size: int) -> str:
    """A second finished video on the same emulator whose content is `size` bytes: the
    big MP4 and zeros after it (downloads only check the MP4 header). Encoding that
    many bytes would take minutes; the emulator serves whatever file it cached."""
    from videos.provider import build_provider

    prompt, seconds = PROMPT + " (padded)", 4
    provider = build_provider(base_url=video.base_url, api_key=API_KEY)
    try:
        created = provider.create(prompt, MODEL, seconds, SIZE)
        deadline = time.monotonic() + 60
        while (created := provider.retrieve(created.id)).status != "completed":
            if created.status == "failed" or time.monotonic() > deadline:
                raise RuntimeError(f"emulated video ended as {created.status!r}")
            time.sleep(0.2)
    finally:
        provider.close()
    path = media_file(prompt, SIZE, seconds, "video", video.server.settings)  # encodes it
    with path.open("wb") as target:
        target.write(video.path.read_bytes())
        target.truncate(size)  # a sparse tail of zeros
    return created.id
