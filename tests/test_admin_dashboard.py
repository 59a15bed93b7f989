import pytest
from django.utils import timezone
from django_q.models import Failure

from storycraft.admin import support_dashboard
from testing import person, staff, support_agent, unfinished_job
from videos.services.lifecycle import cancel_job, fail_job

pytestmark = pytest.mark.django_db


def test_the_index_counts_jobs_needing_attention(client):
    client.force_login(staff())
    alice = person("alice", credits=1000)
    unfinished_job(alice, minutes_ago=30)
    unfinished_job(alice, minutes_ago=20)
    unfinished_job(alice, minutes_ago=1)
    fail_job(job_id=unfinished_job(alice, cost=40).pk, code="boom", message="it broke")
    cancel_job(job_id=unfinished_job(alice, cost=40).pk)
    response = client.get("/admin/")
    counts = {row["label"]: row["count"] for row in response.context["dashboard"]["jobs"]}
    assert counts == {
        "Stuck jobs": 2,
        "Failed in the last 24 hours": 1,
        "Cancelled in the last 24 hours": 1,
        "Credits still held": 3,
    }
    page = response.content.decode()
    assert "/admin/videos/videojob/?attention=stuck" in page
    assert "240 credits reserved for unfinished jobs" in page


def test_the_index_links_to_django_q2_task_pages_and_counts_failures(client):
    client.force_login(staff())
    now = timezone.now()
    Failure.objects.create(
        id="a" * 32, name="t", func="videos.tasks.sweep", started=now, stopped=now, success=False
    )
    response = client.get("/admin/")
    counts = {row["label"]: row["count"] for row in response.context["dashboard"]["tasks"]}
    assert counts["Failed tasks"] == 1
    page = response.content.decode()
    for path in ["failure", "success", "schedule", "ormq"]:
        assert f'href="/admin/django_q/{path}/"' in page


def test_the_dashboard_costs_five_queries(client, django_assert_num_queries):
    # Jobs (1), the catalog (below cost, last syncs: 2), the worker's tasks (2).
    with django_assert_num_queries(5):
        support_dashboard()


def test_the_admin_carries_storycraft_branding(client):
    client.force_login(staff())
    page = client.get("/admin/").content.decode()
    assert "StoryCraft back office" in page
    assert "<title>Support dashboard | StoryCraft</title>" in page


def test_the_dashboard_counts_only_what_the_staff_member_may_view(client):
    unfinished_job(person("alice", credits=1000), minutes_ago=30)
    client.force_login(support_agent("viv", "accounts.view_user"))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response.context["dashboard"] == {}
    page = response.content.decode()
    assert "Stuck jobs" not in page and "Failed tasks" not in page

    client.force_login(support_agent("jo", "videos.view_videojob"))
    dashboard = client.get("/admin/").context["dashboard"]
    assert set(dashboard) == {"jobs"}
    assert {row["label"]: row["count"] for row in dashboard["jobs"]}["Stuck jobs"] == 1
