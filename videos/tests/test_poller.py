"""The sweeper at scale: one request per due job from a pool of threads, the database
from one connection, a shared per-endpoint rate limit, and polls timed to when a job
should be done."""

import dataclasses
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import DEFAULT_ENDPOINT, ProviderEndpoint
from sora_emulator import serve_in_thread
from testing import api_for, order, person, wait_until
from videos.models import JobStatus, VideoJob
from videos.provider import get_provider, reset_provider
from videos.provider import http as provider_http
from videos.services import lifecycle, polling
from videos.tasks import sweep_videos
from videos.tests.helpers import provider_video

WEBHOOK_SECRET = "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"


def seconds_until(moment) -> float:
    return (moment - timezone.now()).total_seconds()


def running_jobs(count: int, *, credits: int = 5000) -> list[str]:
    alice = person("alice", credits=credits)
    api = api_for(alice)
    ids = [order(api, prompt=f"[emulator:slow] tide {n}").json()["id"] for n in range(count)]
    VideoJob.objects.filter(pk__in=ids).update(next_poll_at=timezone.now())
    return ids


@pytest.fixture(autouse=True)
def _many_jobs_of_one_user(settings):
    """These tests fill the poller with one user's jobs, past MAX_JOBS_IN_FLIGHT."""
    settings.MAX_JOBS_IN_FLIGHT = 100


@pytest.fixture(autouse=True)
def _no_other_jobs_due(request):
    """Jobs an earlier test committed (transactional tests) wait while these run; the
    test's transaction puts them back."""
    if not request.node.get_closest_marker("django_db"):
        return
    VideoJob.objects.filter(status__in=["queued", "in_progress", "downloading"]).update(
        next_poll_at=timezone.now() + timedelta(days=1)
    )


@pytest.fixture(scope="module")
def long_emulator(tmp_path_factory):
    """An emulator whose jobs run for minutes: they are still running however slowly a
    loaded machine orders them (the session emulator's slow jobs take 5 s)."""
    server, base_url = serve_in_thread(
        job_seconds=120, cache_dir=tmp_path_factory.mktemp("long-emulator-cache")
    )
    yield base_url
    server.stop()


@pytest.fixture
def long_provider(long_emulator, settings):
    settings.OPENAI_BASE_URL = long_emulator
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_AUTH_STYLE = "bearer"
    reset_provider()
    yield get_provider()
    reset_provider()


@pytest.fixture
def requests_sent(long_provider, monkeypatch):
    """Every status request the shared provider client sends, by provider id."""
    sent = []
    sora_provider = long_provider
    retrieve = sora_provider.retrieve

    def counted(provider_id):
        sent.append(provider_id)
        return retrieve(provider_id)

    monkeypatch.setattr(sora_provider, "retrieve", counted)
    return sent


@pytest.mark.django_db
def test_a_sweep_asks_the_provider_exactly_once_per_due_job(requests_sent, settings):
    settings.POLL_CONCURRENCY = 8
    ids = running_jobs(24)
    before = {job.pk: job.poll_count for job in VideoJob.objects.filter(pk__in=ids)}

    result = polling.sweep()

    assert result.polled == 24 and result.claimed == 24
    provider_ids = set(
        VideoJob.objects.filter(pk__in=ids).values_list("provider_video_id", flat=True)
    )
    assert sorted(requests_sent) == sorted(provider_ids)
    for job in VideoJob.objects.filter(pk__in=ids):
        assert job.poll_count == before[job.pk] + 1
        assert job.next_poll_at > timezone.now()


@pytest.mark.django_db
def test_a_sweep_opens_no_database_connection_and_needs_the_same_queries_for_any_number(
    long_provider, settings, monkeypatch
):
    settings.POLL_CONCURRENCY = 8
    running_jobs(30)
    opened = []
    real_open = DatabaseWrapper.get_new_connection

    def counting_open(self, params):
        opened.append(self.alias)
        return real_open(self, params)

    connection.ensure_connection()
    monkeypatch.setattr(DatabaseWrapper, "get_new_connection", counting_open)
    with CaptureQueriesContext(connection) as queries:
        result = polling.sweep()

    assert result.polled == 30
    assert opened == []
    job_queries = [q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # Claim, rate limit, one UPDATE for the group of running jobs ...: not one per job.
    assert len(job_queries) <= 8, "\n".join(q["sql"][:120] for q in job_queries)


@pytest.mark.django_db
def test_recorded_progress_only_rises_and_leaves_finished_jobs_alone(long_provider):
    api = api_for(person("alice", credits=1000))
    ids = [order(api, prompt=f"tide {n}").json()["id"] for n in range(3)]
    VideoJob.objects.filter(pk__in=ids).update(status=JobStatus.IN_PROGRESS, progress=50)
    VideoJob.objects.filter(pk=ids[2]).update(status=JobStatus.CANCELLED)
    before = [VideoJob.objects.select_related("endpoint").get(pk=pk) for pk in ids]

    changed = lifecycle.record_progress(
        answers=[
            (before[0], provider_video(status="in_progress", progress=30)),
            (before[1], provider_video(status="in_progress", progress=70)),
            (before[2], provider_video(status="queued", progress=90)),
        ]
    )

    after = [VideoJob.objects.get(pk=pk) for pk in ids]
    assert changed == 2
    assert (after[0].status, after[0].progress) == (JobStatus.IN_PROGRESS, 50)  # not lowered
    assert (after[1].status, after[1].progress) == (JobStatus.IN_PROGRESS, 70)
    for old, new in zip(before[:2], after[:2], strict=True):
        assert new.poll_count == old.poll_count + 1
        assert new.next_poll_at > timezone.now()
    assert (after[2].status, after[2].progress, after[2].poll_count) == (
        JobStatus.CANCELLED,
        50,
        before[2].poll_count,
    )
    assert after[2].next_poll_at == before[2].next_poll_at


@pytest.mark.django_db
def test_the_sweeper_sweeps_again_at_once_while_due_jobs_remain(requests_sent, settings):
    settings.POLL_SWEEP_BATCH = 5
    settings.POLL_INTERVAL_SECONDS = 30
    ids = running_jobs(12)
    VideoJob.objects.filter(pk__in=ids).update(next_poll_at=timezone.now())
    started = time.monotonic()

    sweeps = polling.run_sweeper(
        seconds=20, stop=lambda: len(set(requests_sent)) >= 12, download_now=True
    )

    assert sweeps == 3
    assert time.monotonic() - started < 5


@pytest.mark.django_db
def test_the_rate_limit_is_shared_and_hands_the_rest_to_the_next_minute(requests_sent, settings):
    ProviderEndpoint.objects.filter(name=DEFAULT_ENDPOINT).update(requests_per_minute=5)
    running_jobs(8)

    first = polling.sweep()
    second = polling.sweep()  # another sweeper, the same minute

    assert (first.polled, first.handed_back) == (5, 3)
    assert len(requests_sent) == 5
    assert second.claimed == 0  # the other three wait for the next minute
    waiting = VideoJob.objects.filter(poll_count=1, status__in=["queued", "in_progress"])
    for job in waiting:
        assert 0 < seconds_until(job.next_poll_at) <= 60


def test_a_job_expected_to_end_soon_is_asked_just_after(settings):
    settings.POLL_INTERVAL_SECONDS = 10
    soon = lifecycle.next_poll_time(age=timedelta(seconds=3), remaining_seconds=2)
    assert seconds_until(soon) == pytest.approx(2 + lifecycle.DONE_MARGIN_SECONDS, abs=0.2)
    later = lifecycle.next_poll_time(age=timedelta(0), remaining_seconds=40)
    assert seconds_until(later) == pytest.approx(10, abs=0.5)


def test_the_providers_hint_sets_the_pace_webhooks_or_not(settings):
    settings.POLL_INTERVAL_SECONDS = 10
    hinted = lifecycle.next_poll_time(age=timedelta(0), hint_seconds=2)
    assert seconds_until(hinted) == pytest.approx(2, abs=0.2)
    with_webhooks = lifecycle.next_poll_time(
        age=timedelta(0), hint_seconds=2, webhooks=True, remaining_seconds=1
    )
    assert seconds_until(with_webhooks) == pytest.approx(2, abs=0.2)
    slower = lifecycle.next_poll_time(age=timedelta(0), hint_seconds=45, webhooks=True)
    assert seconds_until(slower) == pytest.approx(45, abs=0.5)


def test_a_job_is_asked_a_few_times_while_it_renders(settings):
    """The polls show the progress rise: PROGRESS_LOOKS of them over the render time
    learnt, however eager the provider's hint; with webhooks, after it, the interval."""
    settings.POLL_INTERVAL_SECONDS = 10
    rendering = lifecycle.next_poll_time(
        age=timedelta(seconds=5), hint_seconds=1, webhooks=True, render_seconds=30
    )
    assert seconds_until(rendering) == pytest.approx(30 / lifecycle.PROGRESS_LOOKS, abs=0.2)
    unhinted = lifecycle.next_poll_time(age=timedelta(seconds=5), webhooks=True, render_seconds=20)
    assert seconds_until(unhinted) == pytest.approx(20 / lifecycle.PROGRESS_LOOKS, abs=0.2)
    overdue = lifecycle.next_poll_time(
        age=timedelta(seconds=25), hint_seconds=1, webhooks=True, render_seconds=20
    )
    assert seconds_until(overdue) == pytest.approx(10, abs=1)
    nothing_known = lifecycle.next_poll_time(age=timedelta(seconds=5), webhooks=True)
    assert seconds_until(nothing_known) == pytest.approx(10, abs=1)


@pytest.mark.django_db
def test_reported_progress_predicts_the_end():
    job = VideoJob(created_at=timezone.now() - timedelta(seconds=6))
    video = provider_video(status="in_progress", progress=75)
    assert lifecycle.expected_remaining(job, video) == pytest.approx(2, abs=0.1)


@pytest.mark.django_db
def test_users_see_progress_rise_and_a_learnt_job_completes_within_a_third_of_its_time(
    sora_provider, settings, monkeypatch
):
    """No webhooks, no hint from the provider, a 10 s poll interval: only the render time
    learnt from the previous job of the same kind gets the next one noticed in time."""
    settings.POLL_INTERVAL_SECONDS = 10
    retrieve = sora_provider.retrieve
    monkeypatch.setattr(
        sora_provider,
        "retrieve",
        lambda provider_id: dataclasses.replace(retrieve(provider_id), poll_after_seconds=None),
    )
    alice = person("alice", credits=2000)
    api = api_for(alice)
    first = order(api, prompt="[emulator:slow] a first heron").json()["id"]
    wait_until(lambda: retrieve(VideoJob.objects.get(pk=first).provider_video_id).is_finished)
    VideoJob.objects.filter(pk=first).update(next_poll_at=timezone.now())
    polling.sweep(download_now=True)
    assert VideoJob.objects.get(pk=first).status == JobStatus.COMPLETED

    second = order(api, prompt="[emulator:slow] a second heron").json()["id"]
    seen = []

    def done():
        job = VideoJob.objects.get(pk=second)
        seen.append((job.status, job.progress))
        return job.status in (JobStatus.COMPLETED, JobStatus.FAILED)

    polling.run_sweeper(seconds=30, stop=done, download_now=True)
    job = VideoJob.objects.get(pk=second)
    took = (job.completed_at - job.created_at).total_seconds()

    assert seen[-1][0] == JobStatus.COMPLETED
    assert took <= 1.3 * 5, (took, seen)  # [emulator:slow]: 5 times the 1 s of the emulator


@pytest.mark.django_db
def test_users_see_in_progress_and_a_rising_progress_while_the_provider_reports_it(
    sora_provider,
):
    alice = person("alice", credits=2000)
    api = api_for(alice)
    job_id = order(api, prompt="[emulator:slow] a kingfisher").json()["id"]
    seen = []

    def done():
        body = api.get(f"/videos/{job_id}").json()
        seen.append((body["status"], body["progress"]))
        return body["status"] in ("completed", "failed")

    polling.run_sweeper(seconds=30, stop=done, download_now=True)

    assert seen[-1] == ("completed", 100)
    progress = [p for status, p in seen if status == "in_progress"]
    assert len(set(progress)) >= 2, str(seen)
    assert progress == sorted(progress) and all(0 < p < 100 for p in progress)


@pytest.mark.django_db
def test_with_webhooks_a_new_job_still_gets_a_first_look_so_its_owner_sees_it_start(
    sora_provider, settings
):
    """A job is looked at once soon after its order, so it does not sit at queued 0 %
    until the provider's pace is known; then it is asked at that pace."""
    settings.POLL_INTERVAL_SECONDS = 10
    settings.OPENAI_WEBHOOK_SECRET = WEBHOOK_SECRET
    alice = person("alice", credits=2000)
    api = api_for(alice)
    job_id = order(api, prompt="[emulator:slow] a wren").json()["id"]
    job = VideoJob.objects.get(pk=job_id)
    assert seconds_until(job.next_poll_at) <= lifecycle.FIRST_LOOK_SECONDS

    time.sleep(lifecycle.FIRST_LOOK_SECONDS)
    polling.sweep(download_now=True)

    body = api.get(f"/videos/{job_id}").json()
    assert (body["status"], body["progress"] > 0) == ("in_progress", True)
    job = VideoJob.objects.get(pk=job_id)
    # [emulator:slow] renders 5 s and hints a fifth of that.
    assert seconds_until(job.next_poll_at) == pytest.approx(1, abs=0.3)


@pytest.mark.django_db
@pytest.mark.parametrize("webhooks", [False, True], ids=["webhooks off", "webhooks on"])
def test_progress_rises_while_the_owner_watches_for_the_first_job_of_its_kind_and_the_next(
    sora_provider, settings, webhooks
):
    """What `make run` shows someone polling every half second: in_progress with at least
    two percentages between 0 and 100, for a new kind of job and once its time is learnt.
    With webhooks the end is the webhook's to announce (none is sent here): the render's
    last stretch is left to it."""
    settings.POLL_INTERVAL_SECONDS = 10
    settings.OPENAI_WEBHOOK_SECRET = WEBHOOK_SECRET if webhooks else ""
    alice = person("alice", credits=2000)
    api = api_for(alice)
    for prompt in ["[emulator:slow] a first otter", "[emulator:slow] a second otter"]:
        job_id = order(api, prompt=prompt).json()["id"]
        rendered = sora_provider.retrieve(VideoJob.objects.get(pk=job_id).provider_video_id)
        seen = []

        def watched(job_id=job_id, rendered=rendered, seen=seen):
            time.sleep(0.05)
            body = api.get(f"/videos/{job_id}").json()
            seen.append((body["status"], body["progress"]))
            return body["status"] == "completed" or (
                time.time() > rendered.created_at.timestamp() + 6
            )

        polling.run_sweeper(seconds=30, stop=watched, download_now=True)
        progress = [p for status, p in seen if status == "in_progress"]
        assert len({p for p in progress if 0 < p < 100}) >= 2, (prompt, seen)
        assert progress == sorted(progress)
        # Done at the provider: the next look (the webhook's, or this one) stores it.
        VideoJob.objects.filter(pk=job_id).update(next_poll_at=timezone.now())
        polling.sweep(download_now=True)
        assert VideoJob.objects.get(pk=job_id).status == JobStatus.COMPLETED
    assert lifecycle.learnt_render_seconds(VideoJob.objects.get(pk=job_id)) is not None


@pytest.mark.django_db
def test_the_workers_sweeper_task_stands_aside_for_a_poller_process(requests_sent, settings):
    settings.SWEEP_IN_WORKER = False
    running_jobs(2)
    assert sweep_videos() == 0
    assert requests_sent == []


@pytest.mark.django_db
def test_a_forever_poller_stops_when_asked_between_sweeps(requests_sent):
    running_jobs(3)
    assert polling.run_sweeper(seconds=None, stop=lambda: True) == 1
    assert len(requests_sent) == 3


@pytest.mark.django_db
def test_a_failed_sweep_does_not_stop_the_poller(requests_sent, monkeypatch):
    running_jobs(2)
    claim = polling.claim_due_jobs
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise polling.transaction.TransactionManagementError("the database went away")
        return claim(**kwargs)

    monkeypatch.setattr(polling, "claim_due_jobs", flaky)
    polling.run_sweeper(seconds=10, stop=lambda: len(requests_sent) >= 2)
    assert len(calls) >= 2 and len(requests_sent) == 2


@pytest.mark.django_db
def test_a_stop_ends_a_poll_waiting_to_retry_and_hands_its_job_back(long_provider, settings):
    """Ctrl-C on make run stops the emulator and the poller together: a poll that was
    retrying a provider gone away gave up only after its backoff (3 s of 5)."""
    [job_id] = running_jobs(1)
    with socket.socket() as probe:  # a port nothing listens on: refused at once
        probe.bind(("127.0.0.1", 0))
        settings.OPENAI_BASE_URL = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    reset_provider()
    stop = threading.Timer(0.3, provider_http.stopping.set)
    try:
        started = time.monotonic()
        stop.start()
        result = polling.sweep()
        took = time.monotonic() - started
    finally:
        stop.cancel()
        provider_http.stopping.clear()
        reset_provider()
    assert took < 1.5, took  # its three waits to retry add up to 2.6 s at least
    assert (result.claimed, result.polled, result.handed_back) == (1, 0, 1)
    job = VideoJob.objects.get(pk=job_id)
    assert job.poll_failures == 0 and seconds_until(job.next_poll_at) <= 0  # due again, now
