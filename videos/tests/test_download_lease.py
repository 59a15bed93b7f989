"""A download holds its job with a short lease that it renews while the bytes arrive; a
download killed mid-way (kill -9) frees the job within about a minute for another.

On local storage a download writes the video once: into a temporary file next to its
final name, renamed once complete, so a download cut short never leaves a final file."""

import os
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from testing import api_for, available, entries_of, order, person, wait_until
from videos.models import JobStatus, VideoJob
from videos.services import download
from videos.services.download import download_job
from videos.services.files import storage_name
from videos.services.polling import sweep

pytestmark = pytest.mark.django_db


def ready_to_download(sora_provider, prompt: str) -> VideoJob:
    """A job the provider has finished and the poller has marked for download."""
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(pk=order(api_for(alice), prompt=prompt).json()["id"])
    wait_until(lambda: sora_provider.retrieve(job.provider_video_id).status == "completed")
    VideoJob.objects.filter(pk=job.pk).update(status=JobStatus.DOWNLOADING, progress=100)
    return VideoJob.objects.get(pk=job.pk)


@pytest.fixture
def between_pieces(sora_provider, monkeypatch):
    """Streams the MP4 in 1 KiB pieces and calls the hooks appended here before each one."""
    hooks = []
    original = type(sora_provider).stream_content

    @contextmanager
    def stream_content(this, video_id):
        with original(this, video_id) as chunks:
            data = b"".join(chunks)

            def pieces():
                for start in range(0, len(data), 1024):
                    for hook in hooks:
                        hook()
                    yield data[start : start + 1024]

            yield pieces()

    monkeypatch.setattr(type(sora_provider), "stream_content", stream_content)
    return hooks


def lease_of(job) -> timedelta:
    return VideoJob.objects.get(pk=job.pk).download_lease_until


def test_a_download_holds_its_job_for_well_under_a_minute(sora_provider, between_pieces):
    job = ready_to_download(sora_provider, "A short lease")
    seen = []
    between_pieces.append(lambda: seen.append(lease_of(job) - timezone.now()))
    assert download_job(job_id=job.id).status == JobStatus.COMPLETED
    assert seen and all(timedelta(0) < left <= timedelta(seconds=30) for left in seen)


def test_the_running_download_renews_its_lease(sora_provider, between_pieces, monkeypatch):
    monkeypatch.setattr(download, "HEARTBEAT", timedelta(0))  # renew before every piece
    job = ready_to_download(sora_provider, "A renewed lease")
    seen = []
    between_pieces.append(lambda: seen.append(lease_of(job)))
    assert download_job(job_id=job.id).status == JobStatus.COMPLETED
    assert len(seen) > 3
    assert seen == sorted(seen) and seen[-1] > seen[1] > seen[0]
    job.refresh_from_db()
    assert job.charge_status == "settled" and job.download_lease_until is None


def test_a_lapsed_lease_is_taken_over_by_the_sweeper(sora_provider):
    job = ready_to_download(sora_provider, "A download killed mid-way")
    # What a download killed with its worker leaves behind: its claim, no longer renewed.
    lapsed = timezone.now() - timedelta(seconds=1)
    VideoJob.objects.filter(pk=job.pk).update(
        download_attempts=1, download_lease_until=lapsed, next_poll_at=lapsed
    )
    sweep(download_now=True)
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.download_attempts == 2
    assert default_storage.exists(job.file.name)
    assert len(entries_of(job.owner, "settle")) == 1 and available(job.owner) == 120


def test_a_live_lease_keeps_other_downloads_off_the_job(sora_provider):
    job = ready_to_download(sora_provider, "A download still running elsewhere")
    held = timezone.now() + timedelta(seconds=20)
    VideoJob.objects.filter(pk=job.pk).update(download_attempts=1, download_lease_until=held)
    assert download_job(job_id=job.id).status == JobStatus.DOWNLOADING
    job.refresh_from_db()
    assert job.download_attempts == 1 and job.download_lease_until == held


def test_a_download_that_lost_its_lease_stops_and_keeps_nothing(
    sora_provider, between_pieces, monkeypatch
):
    monkeypatch.setattr(download, "HEARTBEAT", timedelta(0))
    job = ready_to_download(sora_provider, "A download overtaken by another")

    def taken_over():  # another worker claimed the job after this one stalled
        VideoJob.objects.filter(pk=job.pk).update(download_attempts=7)

    between_pieces.append(taken_over)
    assert download_job(job_id=job.id).status == JobStatus.DOWNLOADING
    job.refresh_from_db()
    assert job.charge_status == "pending" and not job.file.name
    assert not default_storage.exists(storage_name(job))


def parts_of(final: Path) -> list[Path]:
    """Downloads of that video in progress (or killed)."""
    return sorted(final.parent.glob(f"{final.name}.*.part")) if final.parent.exists() else []


def test_a_local_download_writes_once_under_a_temporary_name_then_renames(
    sora_provider, between_pieces
):
    job = ready_to_download(sora_provider, "One write, one rename")
    final = Path(default_storage.path(storage_name(job)))
    seen = []  # before each piece: does the final file exist, and the parts (inode, size)

    def look():
        parts = [(part.stat().st_ino, part.stat().st_size) for part in parts_of(final)]
        seen.append((final.exists(), parts))

    between_pieces.append(look)
    assert download_job(job_id=job.id).status == JobStatus.COMPLETED
    assert len(seen) > 3 and not any(exists for exists, _ in seen)
    assert all(len(parts) == 1 for _, parts in seen[1:]), seen  # the first piece comes first
    inodes = {parts[0][0] for _, parts in seen[1:]}
    sizes = [parts[0][1] for _, parts in seen[1:]]
    assert len(inodes) == 1 and sizes == sorted(sizes) and sizes[-1] > sizes[0]
    # The finished file is the very file the bytes were streamed into: renamed, not copied.
    assert final.stat().st_ino == inodes.pop()
    assert final.stat().st_size > sizes[-1] and final.read_bytes()[4:8] == b"ftyp"
    assert parts_of(final) == []


def test_a_download_cut_short_leaves_no_file_and_the_next_one_completes(
    sora_provider, between_pieces
):
    job = ready_to_download(sora_provider, "A connection dropped mid-way")
    final = Path(default_storage.path(storage_name(job)))
    pieces = []

    def drop_after_three_pieces():
        pieces.append(1)
        if len(pieces) > 3:
            raise httpx.ReadError("connection reset by peer")

    between_pieces.append(drop_after_three_pieces)
    assert download_job(job_id=job.id).status == JobStatus.DOWNLOADING
    assert not final.exists() and parts_of(final) == []
    job.refresh_from_db()
    assert job.download_attempts == 1 and job.charge_status == "pending"

    between_pieces.clear()
    assert download_job(job_id=job.id).status == JobStatus.COMPLETED
    assert final.read_bytes()[4:8] == b"ftyp" and parts_of(final) == []


def test_the_part_a_killed_download_left_is_removed_by_the_next_one(sora_provider):
    job = ready_to_download(sora_provider, "A part left by kill -9")
    final = Path(default_storage.path(storage_name(job)))
    final.parent.mkdir(parents=True, exist_ok=True)
    killed = final.with_name(f"{final.name}.killed.part")
    killed.write_bytes(b"\x00\x00\x00\x18ftyp half a video")
    long_ago = time.time() - download.DOWNLOAD_LEASE.total_seconds() - 5
    os.utime(killed, (long_ago, long_ago))
    running = final.with_name(f"{final.name}.running.part")  # written to just now
    running.write_bytes(b"\x00\x00\x00\x18ftyp")
    try:
        assert download_job(job_id=job.id).status == JobStatus.COMPLETED
        assert parts_of(final) == [running]
    finally:
        running.unlink()
