"""The StoryCraft back office: the admin site with its support dashboard.

INSTALLED_APPS names StoryCraftAdminConfig instead of django.contrib.admin, so
`admin.site` everywhere is a StoryCraftAdminSite. This module is imported while the
app registry is still loading: models are imported inside methods only.

Apps add panels to the dashboard from their admin module with `dashboard_panel`, as
they register their ModelAdmins, so this module imports no app.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from rest_framework.throttling import SimpleRateThrottle

from storycraft.proxies import ClientIPMixin


class AdminLoginThrottle(ClientIPMixin, SimpleRateThrottle):
    """Admin login attempts per client IP (storycraft.proxies: TRUSTED_PROXIES decides
    whose X-Forwarded-For counts), at the API login's rate (AUTH_THROTTLE_RATE).

    Counted apart from the API's, in the same shared cache: a locked-out address can
    still use the API, and other addresses can still log in.
    """

    scope = "admin_login"

    def get_rate(self) -> str | None:
        return self.THROTTLE_RATES["auth"]

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class StoryCraftAdminSite(admin.AdminSite):
    site_header = "StoryCraft back office"
    site_title = "StoryCraft"
    index_title = "Support dashboard"

    def index(self, request, extra_context=None):
        dashboard = support_dashboard(request)
        panels = [
            {"id": f"attention-{name}", "caption": _caption_of(name), "rows": rows}
            for name, rows in dashboard.items()
        ]
        extra_context = {
            **(extra_context or {}),
            "dashboard": dashboard,
            "dashboard_panels": panels,
        }
        return super().index(request, extra_context)

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        throttle = AdminLoginThrottle()
        # No APIView here: SimpleRateThrottle never reads it, though the stubs want one.
        if request.method == "POST" and not throttle.allow_request(request, None):  # type: ignore[arg-type]
            return self._login_refused(request, retry_after=math.ceil(throttle.wait() or 1))
        return super().login(request, extra_context)

    def _login_refused(self, request, *, retry_after: int) -> TemplateResponse:
        """The login form again, unchecked, saying how long to wait: a 429."""
        # Imported here: this module names the AdminConfig in INSTALLED_APPS, so it
        # is imported before models can be.
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


# A row: {"label", "help", "count" (None: a link only), "url"}.
Rows = list[dict]


@dataclass(frozen=True)
class DashboardPanel:
    caption: str
    rows: Callable[[], Rows]
    permission: str | None = None  # who may see its counts ("app.view_model")


_panels: dict[str, DashboardPanel] = {}
WORKER_TASKS = "tasks"
WORKER_TASKS_CAPTION = "Worker tasks (django-q2)"
WORKER_TASKS_PERMISSION = "django_q.view_failure"


def dashboard_panel(name: str, *, caption: str, permission: str | None = None):
    """Register the decorated function, returning rows, as a panel of the support
    dashboard. Panels show in the order registered, before the worker's tasks; with a
    `permission`, only to staff who have it (and are counted only for them)."""

    def register(rows: Callable[[], Rows]) -> Callable[[], Rows]:
        _panels[name] = DashboardPanel(caption=caption, rows=rows, permission=permission)
        return rows

    return register


def _caption_of(name: str) -> str:
    return WORKER_TASKS_CAPTION if name == WORKER_TASKS else _panels[name].caption


def support_dashboard(request=None) -> dict[str, Rows]:
    """What support checks first, by panel: the apps' panels, then the worker's tasks.
    Given the request, only the panels its user may see, the rows whose page they may
    open, and the panels left with any (a count whose link answers 403 is no help)."""
    user = request.user if request is not None else None

    def may_see(permission: str | None) -> bool:
        return user is None or permission is None or user.has_perm(permission)

    dashboard = {name: panel.rows() for name, panel in _panels.items() if may_see(panel.permission)}
    if may_see(WORKER_TASKS_PERMISSION):
        dashboard[WORKER_TASKS] = worker_tasks()
    if request is None:
        return dashboard
    opened = {
        name: [row for row in rows if can_open(request, row["url"])]
        for name, rows in dashboard.items()
    }
    return {name: rows for name, rows in opened.items() if rows}


def can_open(request, url: str) -> bool:
    """Whether the request's user may open this admin page: a model's pages ask its
    ModelAdmin, as the admin does before showing them."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    model_admin = getattr(match.func, "model_admin", None)
    if model_admin is None:
        return request.user.is_active and request.user.is_staff
    return model_admin.has_view_or_change_permission(request)


def worker_tasks() -> Rows:
    """django-q2's task pages, with failures of the last day counted (one query, two
    with the database broker)."""
    # Imported here: this module names the AdminConfig in INSTALLED_APPS, so it
    # is imported before models can be.
    from django_q.models import Failure, OrmQ

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
    return tasks
