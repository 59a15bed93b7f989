"""A job that failed, timed out or was cancelled is deleted at the provider, so nobody
pays the provider for a video whose credits were given back."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from sora_emulator.jobs import ApiError
from testing import api_for, available, entries_of, order, person
from videos.models import JobStatus, VideoJob
from videos.provider.base import ProviderUnavailable
from videos.services import lifecycle
from videos.services.polling import refresh_job

pytestmark = pytest.mark.django_db


def _gone_at_the_emulator(emulator, provider_video_id) -> bool:
    try:
        emulator.server.store.get(provider_video_id)
    except ApiError as error:
        return error.status == 404
    return False


def test_failing_a_job_deletes_it_at_the_provider(
    sora_provider, sora_emulator, django_capture_on_commit_callbacks
):
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(pk=order(api_for(alice), prompt="Fail me later").json()["id"])
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.fail_job(job_id=job.pk, code="stuck", message="Support gave up on it.")
    assert _gone_at_the_emulator(sora_emulator, job.provider_video_id)
    assert available(alice) == 200


def test_a_timed_out_job_is_deleted_at_the_provider(
    sora_provider, sora_emulator, settings, django_capture_on_commit_callbacks
):
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(
        pk=order(api_for(alice), prompt="Too slow [emulator:slow]").json()["id"]
    )
    VideoJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        refreshed = refresh_job(job_id=job.pk)
    assert refreshed.error_code == "timeout"
    assert _gone_at_the_emulator(sora_emulator, job.provider_video_id)


def test_the_deletion_happens_only_once_the_refund_is_committed(sora_provider, sora_emulator):
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(pk=order(api_for(alice), prompt="Not yet gone").json()["id"])
    # Inside this test's transaction nothing is committed, so nothing may be deleted yet.
    lifecycle.fail_job(job_id=job.pk, code="stuck", message="stuck")
    assert not _gone_at_the_emulator(sora_emulator, job.provider_video_id)


def test_a_provider_that_refuses_the_deletion_leaves_the_refund_standing(
    sora_provider, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(pk=order(api_for(alice), prompt="A gateway job").json()["id"])

    def method_not_allowed(provider_id):
        raise ProviderUnavailable("Method Not Allowed", status_code=405)

    monkeypatch.setattr(sora_provider, "delete", method_not_allowed)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        failed = lifecycle.fail_job(job_id=job.pk, code="stuck", message="stuck")
    assert failed.status == JobStatus.FAILED and failed.charge_status == "refunded"
    assert available(alice) == 200
    assert "could not delete video job" in caplog.text and "Method Not Allowed" in caplog.text


def test_a_video_already_gone_at_the_provider_is_fine(
    sora_provider, sora_emulator, django_capture_on_commit_callbacks
):
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(pk=order(api_for(alice), prompt="Already gone").json()["id"])
    sora_emulator.server.store.delete(job.provider_video_id)
    with django_capture_on_commit_callbacks(execute=True):
        refreshed = refresh_job(job_id=job.pk)
    assert refreshed.status == JobStatus.FAILED and refreshed.error_code == "not_found"
    assert len(entries_of(alice, "release")) == 1
