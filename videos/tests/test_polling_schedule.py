"""How often the provider is asked: often while a job is young, less as it ages, and
backing off when the provider is in trouble."""

from datetime import timedelta

import pytest
from django.utils import timezone

from testing import api_for, order, person
from videos.models import VideoJob
from videos.services import lifecycle, polling


def seconds_until(moment) -> float:
    return (moment - timezone.now()).total_seconds()


def test_young_jobs_are_polled_every_interval(settings):
    settings.POLL_INTERVAL_SECONDS = 10
    assert seconds_until(lifecycle.next_poll_time(age=timedelta(0))) == pytest.approx(10, abs=1)


def test_older_jobs_are_polled_less_often_up_to_a_ceiling(settings):
    settings.POLL_INTERVAL_SECONDS = 10
    two_minutes = seconds_until(lifecycle.next_poll_time(age=timedelta(minutes=2)))
    an_hour = seconds_until(lifecycle.next_poll_time(age=timedelta(hours=1)))
    assert two_minutes == pytest.approx(30, abs=1)
    assert an_hour == pytest.approx(60, abs=1)


def test_webhooks_let_the_poller_wait_longer(settings):
    settings.POLL_INTERVAL_SECONDS = 10
    an_hour = seconds_until(lifecycle.next_poll_time(age=timedelta(hours=1), webhooks=True))
    assert an_hour == pytest.approx(180, abs=1)


def test_the_providers_hint_wins_when_it_asks_for_more_time(settings):
    settings.POLL_INTERVAL_SECONDS = 10
    hinted = lifecycle.next_poll_time(age=timedelta(0), hint_seconds=45)
    assert seconds_until(hinted) == pytest.approx(45, abs=1)


@pytest.mark.django_db
def test_failed_polls_back_off_and_a_success_resets_them(sora_provider, settings, monkeypatch):
    settings.POLL_INTERVAL_SECONDS = 10
    alice = person("alice", credits=200)
    job_id = order(api_for(alice), prompt="[emulator:slow] patience").json()["id"]

    def unavailable(provider_id):
        raise polling.ProviderError("provider down")

    monkeypatch.setattr(sora_provider, "retrieve", unavailable)
    waits = []
    for _ in range(3):
        polling.refresh_job(job_id=job_id)
        waits.append(seconds_until(VideoJob.objects.get(pk=job_id).next_poll_at))
    assert [round(wait, -1) for wait in waits] == [10, 20, 40]
    assert VideoJob.objects.get(pk=job_id).poll_failures == 3

    monkeypatch.undo()
    polling.refresh_job(job_id=job_id)
    assert VideoJob.objects.get(pk=job_id).poll_failures == 0


@pytest.mark.django_db
def test_a_sweep_past_its_deadline_hands_jobs_back(sora_provider, monkeypatch):
    alice = person("alice", credits=400)
    api = api_for(alice)
    job_ids = [order(api, prompt=f"[emulator:slow] late {n}").json()["id"] for n in range(3)]
    VideoJob.objects.filter(pk__in=job_ids).update(next_poll_at=timezone.now())
    asked = []
    monkeypatch.setattr(polling, "refresh_job", lambda **kwargs: asked.append(kwargs))

    polling.sweep(deadline=0)  # already past

    assert asked == []
    for job in VideoJob.objects.filter(pk__in=job_ids):
        assert seconds_until(job.next_poll_at) <= 0
