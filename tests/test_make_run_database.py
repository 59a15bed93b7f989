"""`make run`'s default database is SQLite: the paths that use SQL of their own (the money
paths, the job lookup every client polls) must work there too (the rest of the suite runs
on PostgreSQL)."""

from testing import production_env, run_python

SCRIPT = """
import uuid

from accounts.models import User
from catalog.models import ProviderEndpoint
from catalog.ratelimit import take_requests
from testing import held_jobs
from videos.selectors import job_with_owner_standing
from wallet.selectors import wallet_totals
from wallet.services import HoldRequest, reserve_credits

alice = User.objects.create_user(email="alice@example.com", password="correct horse 42")
[hold] = reserve_credits(user=alice, holds=[HoldRequest(amount=80, key="video:1")])
again = reserve_credits(user=alice, holds=[HoldRequest(amount=80, key="video:1")])
print("hold", hold.reserved_change, again[0].pk == hold.pk, wallet_totals(user=alice))
endpoint = ProviderEndpoint.objects.get(name="default")
endpoint.requests_per_minute = 3
print("granted", take_requests(endpoint, 2), take_requests(endpoint, 2))
[job] = held_jobs(alice)
found = job_with_owner_standing(str(alice.pk), job.pk)  # the token's user id is a string
stranger = job_with_owner_standing(str(uuid.uuid4()), job.pk)
print("standing", found.pk == job.pk, found.owner_is_active == 1, stranger)
"""


def test_holds_request_windows_and_the_polled_job_lookup_work_on_sqlite(tmp_path):
    env = production_env(
        tmp_path, DATABASE_URL="", WELCOME_CREDITS="200", WELCOME_CREDITS_AFTER="registration"
    )
    migrated = run_python(["manage.py", "migrate", "--noinput"], env)
    assert migrated.returncode == 0, migrated.stderr
    result = run_python(["manage.py", "shell", "-c", SCRIPT], env)
    assert result.returncode == 0, result.stderr
    totals = "{'balance': 200, 'reserved': 80, 'available': 120, 'owed': 0}"
    assert f"hold 80 True {totals}" in result.stdout
    assert "granted 2 1" in result.stdout
    assert "standing True True None" in result.stdout
