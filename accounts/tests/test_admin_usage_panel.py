"""The admin user page shows the user's spending of the last 30 days, per model."""

from datetime import timedelta

import pytest
from django.utils import timezone

from testing import held_jobs, person
from videos.services import lifecycle
from wallet.services import settle_hold

pytestmark = pytest.mark.django_db


def test_the_user_page_shows_the_last_30_days_of_spending_per_model(client, sam):
    alice = person("alice", credits=1000)
    [charged] = held_jobs(alice, cost=80, model="sora-2")
    [refunded, _still_rendering] = held_jobs(alice, 2, cost=240, model="sora-2-pro")
    settle_hold(hold_id=charged.hold_id, video_id=charged.pk)
    lifecycle.cancel_job(job_id=refunded.pk)
    page = client.get(f"/admin/accounts/user/{alice.pk}/change/").content.decode()
    assert "Spending, last 30 days" in page and "usage-panel" in page
    assert "<td>sora-2</td><td>80</td><td>0</td><td>0</td>" in page
    assert "<td>sora-2-pro</td><td>0</td><td>240</td><td>240</td>" in page
    assert "<strong>80</strong></td><td><strong>240</strong></td><td><strong>240" in page


def test_spending_older_than_30_days_is_left_out(client, sam):
    alice = person("alice", credits=1000)
    [charged] = held_jobs(alice, cost=80, model="sora-2")
    settle_hold(hold_id=charged.hold_id, video_id=charged.pk)
    # Ledger entries are immutable, even in a test: move the admin's clock instead.
    later = timezone.now() + timedelta(days=31)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda *args: later.date())
        page = client.get(f"/admin/accounts/user/{alice.pk}/change/").content.decode()
    assert "No videos charged, refunded or held in this period." in page
