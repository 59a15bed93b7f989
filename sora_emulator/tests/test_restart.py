"""With a state directory, jobs outlive the emulator: a new one on the same folder goes on."""

import io
import json
import logging
import time

import av
import pytest

from sora_emulator import serve_in_thread
from sora_emulator.config import EmulatorSettings
from sora_emulator.tests.helpers import SECRET, client, create, unique, wait_until_finished


@pytest.fixture
def emulators():
    """Starts emulators and stops whichever are still running at the end."""
    started = []

    def start(**settings):
        server, base_url = serve_in_thread(**settings)
        started.append(server)
        return server, base_url

    yield start
    for server in started:
        server.stop()  # stopping twice is harmless


def identity(video: dict) -> dict:
    """What stays the same while a video's progress moves on."""
    return {key: video[key] for key in ("id", "created_at", "prompt", "model", "seconds", "size")}


def test_jobs_are_still_there_after_a_restart_and_finish(emulators, tmp_path):
    first, base_url = emulators(job_seconds=1, state_dir=tmp_path)
    with client(base_url) as http:
        done = create(http, size="1280x720").json()
        wait_until_finished(http, done["id"])
        running = create(http, prompt=unique("a heron")).json()
        failing = create(http, prompt=unique("[emulator:fail]")).json()
        deleted = create(http).json()
        http.delete(f"videos/{deleted['id']}")
        before = http.get("videos").json()["data"]
    first.stop()

    _, base_url = emulators(job_seconds=1, state_dir=tmp_path)
    with client(base_url) as http:
        assert [identity(video) for video in http.get("videos").json()["data"]] == [
            identity(video) for video in before
        ]
        assert [video["id"] for video in before] == [failing["id"], running["id"], done["id"]]
        assert http.get(f"videos/{deleted['id']}").status_code == 404
        assert wait_until_finished(http, running["id"])["created_at"] == running["created_at"]
        assert wait_until_finished(http, failing["id"])["status"] == "failed"
        for video_id in (done["id"], running["id"]):
            content = http.get(f"videos/{video_id}/content")
            assert content.status_code == 200
            with av.open(io.BytesIO(content.content)) as container:
                assert container.streams.video[0].codec_context.name == "h264"
        newer = create(http).json()
        assert http.get("videos").json()["data"][0]["id"] == newer["id"]
        assert http.delete(f"videos/{done['id']}").status_code == 200
    assert not (tmp_path / "jobs" / f"{done['id']}.json").exists()


def test_progress_goes_on_from_the_original_creation_time(emulators, tmp_path):
    first, base_url = emulators(job_seconds=2, state_dir=tmp_path)
    with client(base_url) as http:
        video = create(http).json()
    first.stop()
    time.sleep(1.2)
    # The restarted emulator's own jobs would take a minute; this one keeps its 2 s.
    _, base_url = emulators(job_seconds=60, state_dir=tmp_path)
    with client(base_url) as http:
        resumed = http.get(f"videos/{video['id']}").json()
        assert resumed["status"] != "queued" and resumed["progress"] >= 50
        finished = wait_until_finished(http, video["id"], timeout=3)
    assert finished["completed_at"] == video["created_at"] + 2


def test_media_are_cached_under_the_state_directory_unless_told_otherwise(tmp_path):
    assert EmulatorSettings(state_dir=tmp_path).cache_dir == tmp_path / "cache"
    elsewhere = tmp_path / "elsewhere"
    assert EmulatorSettings(state_dir=tmp_path, cache_dir=elsewhere).cache_dir == elsewhere


def test_without_a_state_directory_nothing_is_written(emulators, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, base_url = emulators(job_seconds=1, cache_dir=tmp_path / "cache")
    with client(base_url) as http:
        assert create(http).status_code == 200
    assert [path.name for path in tmp_path.iterdir()] == []


def test_the_environment_sets_the_state_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("EMULATOR_STATE_DIR", str(tmp_path))
    settings = EmulatorSettings.from_env()
    assert (settings.state_dir, settings.cache_dir) == (tmp_path, tmp_path / "cache")


def test_an_unreadable_job_file_is_skipped_with_a_warning(emulators, tmp_path, caplog):
    first, base_url = emulators(job_seconds=1, state_dir=tmp_path)
    with client(base_url) as http:
        kept = create(http).json()
    first.stop()
    (tmp_path / "jobs" / "video_broken.json").write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="sora_emulator"):
        _, base_url = emulators(job_seconds=1, state_dir=tmp_path)
    assert "video_broken.json" in caplog.text
    with client(base_url) as http:
        assert [video["id"] for video in http.get("videos").json()["data"]] == [kept["id"]]


def test_a_restart_sends_the_events_still_owed_and_only_those(emulators, receiver, tmp_path):
    url, received, arrived = receiver
    hooks = {"webhook_url": url, "webhook_secret": SECRET, "state_dir": tmp_path}
    first, base_url = emulators(job_seconds=0.5, **hooks)
    with client(base_url) as http:
        sent = create(http).json()
        assert arrived.wait(5)
        deadline = time.monotonic() + 5
        while first.store.get(sent["id"]).webhook_pending and time.monotonic() < deadline:
            time.sleep(0.05)
        arrived.clear()
        owed = create(http, prompt=unique("[emulator:slow]")).json()
    first.stop()

    emulators(job_seconds=0.5, **hooks)
    assert arrived.wait(5)
    events = [json.loads(body)["data"]["id"] for _, body in received]
    assert events == [sent["id"], owed["id"]]
