"""The StoryCraft back office: the admin site with its support dashboard.

INSTALLED_APPS names StoryCraftAdminConfig instead of django.contrib.admin, so
`admin.site` everywhere is a StoryCraftAdminSite. This module is imported while the
app registry is still loading: models are imported inside methods only.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from rest_framework.throttling import SimpleRateThrottle


class AdminLoginThrottle(SimpleRateThrottle):
    """Admin login attempts per client IP, at the API login's rate (AUTH_THROTTLE_RATE).

    Counted apart from the API's, in the same shared cache: a locked-out address can
    still use the API, and other addresses can still log in.
    """

    scope = "admin_login"

    def get_rate(self) -> str:
        return self.THROTTLE_RATES["auth"]

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class StoryCraftAdminSite(admin.AdminSite):
    site_header = "StoryCraft back office"
    site_title = "StoryCraft"
    index_title = "Support dashboard"

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "dashboard": support_dashboard()}
        return super().index(request, extra_context)

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        throttle = AdminLoginThrottle()
        if request.method == "POST" and not throttle.allow_request(request, None):
            return self._login_refused(request, retry_after=math.ceil(throttle.wait() or 1))
        return super().login(request, extra_context)

    def _login_refused(self, request, *, retry_after: int) -> TemplateResponse:
        """The login form again, unchecked, saying how long to wait: a 429."""
        from django.contrib.admin.forms import AdminAuthenticationForm

        index = reverse("admin:index", current_app=self.name)
        context = {
            **self.each_context(request),
            "title": "Log in",
            "app_path": request.get_full_path(),
            "form": AdminAuthenticationForm(
                request, initial={"username": request.POST.get("username", "")}
            ),
            REDIRECT_FIELD_NAME: request.POST.get(REDIRECT_FIELD_NAME) or index,
            "retry_after": retry_after,
        }
        request.current_app = self.name
        response = TemplateResponse(request, "admin/login_refused.html", context, status=429)
        response["Retry-After"] = str(retry_after)
        return response


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
                "label": "Cancelled in the last 24 hours",
                "help": "by their owners; refunded",
                "count": jobs["cancelled_today"],
                "url": f"{job_list}?attention=cancelled_today",
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
