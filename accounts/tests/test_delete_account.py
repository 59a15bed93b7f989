"""DELETE /auth/me: the account is closed at once, its email freed, its videos refunded
and erased by the worker; the ledger stays and still reconciles."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from accounts.models import User
from accounts.services import delete_account
from accounts.tests.helpers import login, post
from testing import PASSWORD, api_for, available, entries_of, finished_order, order, person
from videos.models import ChargeStatus, JobStatus, VideoJob
from wallet.models import EntryKind

pytestmark = pytest.mark.django_db


def delete(client, password=PASSWORD):
    return client.delete("/auth/me", {"password": password}, format="json")


def reconcile() -> str:
    stdout = io.StringIO()
    call_command("reconcile_wallets", stdout=stdout)
    return stdout.getvalue()


def test_it_closes_the_account_and_frees_the_email(client, alice, committed):
    refresh = login(client).json()["refresh"]
    api = api_for(alice)
    with committed():
        response = delete(api)

    assert response.status_code == 204
    gone = User.objects.get(pk=alice.pk)
    assert gone.email.startswith("deleted-") and gone.email.endswith("@deleted.invalid")
    assert (gone.is_active, gone.is_deleted, gone.has_usable_password()) == (False, True, False)
    assert api.get("/auth/me").status_code == 401
    assert post(client, "/auth/refresh", {"refresh": refresh}).status_code == 401
    assert login(client).status_code == 401
    again = post(client, "/auth/register", {"email": "alice@example.com", "password": PASSWORD})
    assert again.status_code == 201


def test_a_wrong_password_deletes_nothing(alice):
    response = delete(api_for(alice), password="not it at all")
    assert response.status_code == 400
    assert response.json() == {"password": ["The password is not correct."]}
    assert User.objects.get(pk=alice.pk).is_active


def test_it_needs_the_password(alice):
    response = api_for(alice).delete("/auth/me", {}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_it_refunds_jobs_in_flight_erases_files_and_keeps_the_books(sora_provider, committed):
    alice = person("alice", credits=1_000)
    api = api_for(alice)
    done = VideoJob.objects.get(pk=finished_order(api, prompt="Alice's keepsake")["id"])
    assert default_storage.exists(done.file.name) and default_storage.exists(done.thumbnail.name)
    in_flight = order(api, prompt="Alice's last order").json()
    assert in_flight["status"] in ("queued", "in_progress")
    spent = done.cost
    entries_before = len(entries_of(alice))

    with committed():
        assert delete(api).status_code == 204

    assert not default_storage.exists(done.file.name)
    assert not default_storage.exists(done.thumbnail.name)
    assert default_storage.listdir(f"videos/{alice.pk}")[1] == []
    done.refresh_from_db()
    assert (done.status, done.file.name, done.thumbnail.name) == (JobStatus.COMPLETED, "", "")
    cancelled = VideoJob.objects.get(pk=in_flight["id"])
    assert (cancelled.status, cancelled.charge_status) == (
        JobStatus.CANCELLED,
        ChargeStatus.REFUNDED,
    )
    assert available(alice) == 1_000 - spent
    assert len(entries_of(alice)) == entries_before + 1  # the release; nothing removed
    assert entries_of(alice, EntryKind.RELEASE)[-1].video_id == cancelled.pk
    assert reconcile().endswith("no drift.\n")  # it exits non-zero on any drift


def test_deleting_twice_changes_nothing_more(alice):
    first = delete_account(user=alice)
    again = delete_account(user=first)
    assert (again.email, again.deleted_at) == (first.email, first.deleted_at)


def test_password_guesses_are_throttled(alice):
    api = api_for(alice)
    statuses = [delete(api, password=f"guess {n}").status_code for n in range(21)]
    assert statuses == [400] * 20 + [429]
    assert api.get("/auth/me").status_code == 200  # reading is never throttled
