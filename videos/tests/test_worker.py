"""The real worker: a qcluster process picks up tasks from the database broker."""

import inspect
import os
import sys
from datetime import timedelta

import pytest
from django_q.models import Schedule
from django_q.tasks import async_task

from testing import (
    api_for,
    entries_of,
    order,
    person,
    shared_database_url,
    started_process,
    wait_until,
)
from videos.models import JobStatus, VideoJob
from videos.provider import build_provider
from videos.services.download import DOWNLOAD_LEASE, HEARTBEAT
from videos.services.polling import run_sweeper


@pytest.mark.django_db
def test_the_sweeper_schedule_exists_after_migrate(settings):
    schedule = Schedule.objects.get(name="video sweeper")
    assert schedule.func == "videos.tasks.sweep_videos"
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1
    assert schedule.repeats < 0


def test_django_q_limits_fit_the_sweeper_and_downloads(settings):

    cluster = settings.Q_CLUSTER
    sweeper_seconds = inspect.signature(run_sweeper).parameters["seconds"].default
    provider = build_provider()
    slowest_provider_call = (
        provider.retry_budget + settings.OPENAI_READ_TIMEOUT + settings.OPENAI_CONNECT_TIMEOUT
    )
    # A sweep may start a last provider call just before its deadline.
    assert sweeper_seconds + slowest_provider_call < cluster["timeout"] < cluster["retry"]
    # A running download renews its lease, so the lease need not outlast the task timeout:
    # it is short, so that a killed download frees its job within about a minute.
    assert 2 * HEARTBEAT <= DOWNLOAD_LEASE <= timedelta(seconds=60)
    assert cluster["workers"] >= 2  # the sweeper must not starve downloads
    assert cluster["max_attempts"] >= 1 and cluster["ack_failures"] is True


@pytest.fixture
def qcluster(sora_emulator, settings, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "OPENAI_BASE_URL": sora_emulator.base_url,
        "OPENAI_API_KEY": sora_emulator.api_key,
        "Q_SYNC": "false",
        "Q_WORKERS": "1",
    }
    command = [sys.executable, "manage.py", "qcluster"]
    with started_process(command, log=tmp_path / "qcluster.log", env=env) as worker:
        yield worker.process


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_downloads_and_settles(sora_provider, qcluster):
    alice = person("alice", credits=200)
    job = order(api_for(alice), prompt="a worker's lighthouse").json()
    stored = VideoJob.objects.get(pk=job["id"])
    wait_until(lambda: sora_provider.retrieve(stored.provider_video_id).status == "completed")

    async_task("videos.tasks.refresh_video", str(stored.id))

    wait_until(lambda: VideoJob.objects.get(pk=stored.id).status == JobStatus.COMPLETED, timeout=60)
    assert [entry.kind for entry in entries_of(alice, "hold", "settle")] == ["hold", "settle"]
