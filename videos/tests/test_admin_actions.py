"""Support's tools for stuck jobs: the admin actions and the poll_videos command."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from catalog.models import ProviderEndpoint
from testing import api_for, available, entries_of, order, person, support_agent, wait_until
from videos.models import JobStatus, VideoJob, WebhookDelivery
from wallet.services import release_hold

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(client, sam):
    return client, sam


def run_action(client, action: str, *jobs):
    return client.post(
        reverse("admin:videos_videojob_changelist"),
        {"action": action, "_selected_action": [str(job.id) for job in jobs]},
        follow=True,
    )


def test_fail_and_refund_releases_the_hold_once(sora_provider, support):
    client, staff = support
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(
        pk=order(api_for(alice), prompt="[emulator:slow] stuck").json()["id"]
    )

    run_action(client, "fail_and_refund", job)
    run_action(client, "fail_and_refund", job)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.charge_status == "refunded"
    assert job.error_code == "cancelled_by_support"
    [release] = entries_of(alice, "release")
    assert release.created_by == staff
    assert available(alice) == 200


def test_fail_and_refund_leaves_finished_jobs_alone(sora_provider, support):
    client, _ = support
    alice = person("alice", credits=200)
    api = api_for(alice)
    job_id = order(api, prompt="done already").json()["id"]
    wait_until(lambda: api.post(f"/videos/{job_id}/pull").json()["status"] == "completed")

    run_action(client, "fail_and_refund", VideoJob.objects.get(pk=job_id))

    assert VideoJob.objects.get(pk=job_id).status == JobStatus.COMPLETED
    assert entries_of(alice, "release") == []


def test_pull_now_completes_a_ready_job(sora_provider, support):
    client, _ = support
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(pk=order(api_for(alice), prompt="pull me").json()["id"])
    wait_until(lambda: sora_provider.retrieve(job.provider_video_id).status == "completed")

    response = run_action(client, "pull_now", job)

    assert response.status_code == 200
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.charge_status == "settled"


def test_the_job_list_finds_stuck_jobs(sora_provider, support):
    client, _ = support
    alice = person("alice", credits=200)
    stuck = order(api_for(alice), prompt="[emulator:slow] stuck in line").json()
    VideoJob.objects.filter(pk=stuck["id"]).update(
        created_at=timezone.now() - timezone.timedelta(hours=1)
    )
    fresh = order(api_for(alice), prompt="[emulator:slow] fresh").json()

    page = client.get(reverse("admin:videos_videojob_changelist") + "?attention=stuck")

    assert page.status_code == 200
    assert stuck["id"][:8] in page.content.decode()
    assert fresh["id"][:8] not in page.content.decode()


def test_poll_videos_sweeps_due_jobs_once(sora_provider, capsys):
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(pk=order(api_for(alice), prompt="swept by cron").json()["id"])
    wait_until(lambda: sora_provider.retrieve(job.provider_video_id).status == "completed")
    VideoJob.objects.filter(pk=job.pk).update(next_poll_at=timezone.now())

    call_command("poll_videos")
    call_command("poll_videos")

    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert len(entries_of(alice, "settle")) == 1
    assert "Polled 1 job(s)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "permissions",
    [["view_videojob"], ["view_videojob", "change_videojob"]],
)
def test_staff_without_the_wallet_permission_cannot_refund(sora_provider, client, permissions):
    viewer = support_agent("vic", *(f"videos.{codename}" for codename in permissions))
    client.force_login(viewer)
    alice = person("alice", credits=200)
    job = VideoJob.objects.get(pk=order(api_for(alice), prompt="[emulator:slow] mine").json()["id"])

    run_action(client, "fail_and_refund", job)
    button = client.post(reverse("admin:videos_videojob_fail_and_refund", args=[job.pk]))

    assert button.status_code == 403
    assert VideoJob.objects.get(pk=job.pk).status != JobStatus.FAILED
    assert entries_of(alice, "release") == []


def test_prune_webhook_deliveries_keeps_the_last_days(capsys):

    old = WebhookDelivery.objects.create(
        endpoint=ProviderEndpoint.objects.get(name="default"),
        webhook_id="wh_old",
        event_type="video.completed",
    )
    WebhookDelivery.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=8))
    WebhookDelivery.objects.create(
        endpoint=ProviderEndpoint.objects.get(name="default"),
        webhook_id="wh_new",
        event_type="video.completed",
    )

    call_command("prune_webhook_deliveries")

    assert list(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == ["wh_new"]
    assert "Deleted 1 webhook deliveries" in capsys.readouterr().out


def test_reconcile_videos_agrees_with_a_healthy_history(sora_provider, capsys):
    alice = person("alice", credits=400)
    api = api_for(alice)
    done = order(api, prompt="reconciled").json()
    wait_until(lambda: api.post(f"/videos/{done['id']}/pull").json()["status"] == "completed")
    order(api, prompt="[emulator:reject] reconciled refusal")
    order(api, prompt="[emulator:slow] reconciled, still running")

    call_command("reconcile_videos")

    assert "Checked 3 video jobs against their holds: all agree." in capsys.readouterr().out


def test_reconcile_videos_exits_1_when_a_job_and_its_hold_disagree(sora_provider, capsys):

    alice = person("alice", credits=200)
    job = VideoJob.objects.get(pk=order(api_for(alice), prompt="[emulator:slow] odd").json()["id"])
    release_hold(hold_id=job.hold_id, video_id=job.id)  # behind the job's back

    with pytest.raises(CommandError) as raised:
        call_command("reconcile_videos")

    assert raised.value.returncode == 1
    assert f"job {job.id}: charge status pending but its hold is release" in capsys.readouterr().out
