"""The StoryCraft back office: the admin site with its support dashboard.

INSTALLED_APPS names StoryCraftAdminConfig instead of django.contrib.admin, so
`admin.site` everywhere is a StoryCraftAdminSite. This module is imported while the
app registry is still loading: models are imported inside methods only.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse
from django.utils import timezone


class StoryCraftAdminSite(admin.AdminSite):
    site_header = "StoryCraft back office"
    site_title = "StoryCraft"
    index_title = "Support dashboard"

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "dashboard": support_dashboard()}
        return super().index(request, extra_context)


class StoryCraftAdminConfig(AdminConfig):
    default_site = "storycraft.admin.StoryCraftAdminSite"


def support_dashboard() -> dict:
    """What support checks first: jobs needing attention and the worker's task records.

    Three queries: one aggregate over the jobs, two counts over django-q2's tables.
    """
    from django_q.models import Failure, OrmQ

    from videos.admin import attention_counts

    jobs = attention_counts()
    a_day_ago = timezone.now() - timedelta(days=1)
    tasks = [
        {
            "label": "Failed tasks",
            "help": "in the last 24 hours",
            "count": Failure.objects.filter(stopped__gte=a_day_ago).count(),
            "url": reverse("admin:django_q_failure_changelist"),
        },
        {
            "label": "Successful tasks",
            "help": "the most recent ones are kept",
            "count": None,
            "url": reverse("admin:django_q_success_changelist"),
        },
        {
            "label": "Scheduled tasks",
            "help": "the poller's schedule lives here",
            "count": None,
            "url": reverse("admin:django_q_schedule_changelist"),
        },
    ]
    if "orm" in settings.Q_CLUSTER:
        # django-q2 has a queue admin only with the database broker.
        tasks.insert(
            1,
            {
                "label": "Queued tasks",
                "help": "waiting for a worker",
                "count": OrmQ.objects.count(),
                "url": reverse("admin:django_q_ormq_changelist"),
            },
        )
    job_list = reverse("admin:videos_videojob_changelist")
    return {
        "jobs": [
            {
                "label": "Stuck jobs",
                "help": "unfinished for more than 15 minutes",
                "count": jobs["stuck"],
                "url": f"{job_list}?attention=stuck",
            },
            {
                "label": "Failed in the last 24 hours",
                "help": "refunded; the error is on each job",
                "count": jobs["failed_today"],
                "url": f"{job_list}?attention=failed_today",
            },
            {
                "label": "Credits still held",
                "help": f"{jobs['held_credits']} credits reserved for unfinished jobs",
                "count": jobs["unsettled"],
                "url": f"{job_list}?attention=unsettled",
            },
        ],
        "tasks": tasks,
    }
