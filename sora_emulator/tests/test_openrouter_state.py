"""OpenRouter-side jobs outlive a restart; a models file is read again when it changes."""

import json
import logging
import os

import pytest

from sora_emulator import serve_in_thread
from sora_emulator.config import EmulatorSettings
from sora_emulator.tests.helpers import (
    client,
    create,
    openrouter_client,
    submit,
    unique,
    wait_until_ended,
)

TWO = {
    "google/veo-3.1": {"seconds": [4], "sizes": ["1280x720"], "usd_per_second": "0.50"},
    "kling/v2": {"seconds": [5], "sizes": ["768x768"]},
}


@pytest.fixture
def emulators():
    started = []

    def start(**settings):
        server, _ = serve_in_thread(**settings)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def test_jobs_and_what_they_received_survive_a_restart(emulators, tmp_path):
    first = emulators(job_seconds=1, state_dir=tmp_path)
    with openrouter_client(first) as http:
        done = submit(http, duration=4, aspect_ratio="16:9").json()
        wait_until_ended(http, done["id"])
        running = submit(http, prompt=unique("[emulator:cancel]")).json()
    received = first.store.find(running["id"], protocol="openrouter").received
    first.stop()

    second = emulators(job_seconds=1, state_dir=tmp_path)
    with openrouter_client(second) as http:
        finished = http.get(f"videos/{done['id']}").json()
        assert finished["status"] == "completed" and finished["usage"]["cost"] == 0.4
        assert finished["generation_id"] == done["generation_id"]
        assert http.get(f"videos/{done['id']}/content").status_code == 200
        assert wait_until_ended(http, running["id"])["status"] == "cancelled"
    assert second.store.find(running["id"], protocol="openrouter").received == received


def write(path, models) -> None:
    """Write the models file and move its modification time on, as an editor would."""
    path.write_text(json.dumps(models))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_a_changed_models_file_is_read_again_on_both_protocols(emulators, tmp_path, caplog):
    path = tmp_path / "models.json"
    write(path, TWO)
    server = emulators(job_seconds=0.5, models_file=path, cache_dir=tmp_path / "cache")
    with openrouter_client(server) as http, client(server.base_url) as openai:
        listed = [model["id"] for model in http.get("videos/models").json()["data"]]
        assert listed == ["google/veo-3.1", "kling/v2"]
        assert submit(http, model="kling/v2").status_code == 202
        assert create(openai, model="kling/v2").status_code == 200

        write(path, {"google/veo-3.1": TWO["google/veo-3.1"]})
        assert [model["id"] for model in http.get("videos/models").json()["data"]] == [
            "google/veo-3.1"
        ]
        assert submit(http, model="kling/v2").status_code == 404
        assert create(openai, model="kling/v2").json()["error"]["param"] == "model"

        with caplog.at_level(logging.WARNING, logger="sora_emulator"):
            write(path, {"broken": {"seconds": []}})
            assert len(http.get("videos/models").json()["data"]) == 1
        assert "kept the previous models" in caplog.text

        write(path, TWO)
        assert create(openai, model="kling/v2").status_code == 200


def test_the_environment_names_a_models_file_that_is_followed(monkeypatch, tmp_path):
    path = tmp_path / "models.json"
    write(path, TWO)
    monkeypatch.setenv("EMULATOR_MODELS_FILE", str(path))
    settings = EmulatorSettings.from_env()
    assert list(settings.current_models()) == ["google/veo-3.1", "kling/v2"]
    write(path, {"kling/v2": TWO["kling/v2"]})
    assert list(settings.current_models()) == ["kling/v2"]


def test_the_environment_sets_the_openrouter_webhook(monkeypatch):
    monkeypatch.setenv("EMULATOR_OPENROUTER_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    monkeypatch.setenv("EMULATOR_OPENROUTER_WEBHOOK_SECRET", "s3cret")
    settings = EmulatorSettings.from_env()
    assert (settings.openrouter_webhook_url, settings.openrouter_webhook_secret) == (
        "http://127.0.0.1:9/hook",
        "s3cret",
    )
