from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timesince import timesince

from storycraft.admin import dashboard_panel
from videos.margins import margin_rows, totals
from videos.models import (
    ACTIVE_STATUSES,
    Batch,
    ChargeStatus,
    JobStatus,
    VideoJob,
    WebhookDelivery,
)
from videos.selectors import attention_conditions, attention_counts
from videos.services import lifecycle
from videos.services.files import file_url_for, input_image_url_for, thumbnail_url_for
from videos.services.polling import refresh_job

# Characters of a prompt the job list shows; all of it is in the tooltip and on the page.
PROMPT_SHOWN = 60


class AttentionFilter(admin.SimpleListFilter):
    """Support's first question at 2 a.m.: what is stuck, what failed today."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("stuck", "Stuck (unfinished for 15+ minutes)"),
            ("failed_today", "Failed in the last 24 hours"),
            ("cancelled_today", "Cancelled in the last 24 hours"),
            ("unsettled", "Credits still held"),
        ]

    def queryset(self, request, queryset):
        condition = attention_conditions(timezone.now()).get(self.value() or "")  # "": no filter
        return queryset if condition is None else queryset.filter(condition)


@dashboard_panel("jobs", caption="Video jobs needing attention", permission="videos.view_videojob")
def jobs_needing_attention() -> list[dict]:
    """The support dashboard's first panel: the AttentionFilter's counts (one query)."""
    jobs = attention_counts()
    job_list = reverse("admin:videos_videojob_changelist")
    return [
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
    ]


@admin.register(VideoJob)
class VideoJobAdmin(admin.ModelAdmin):
    # What support reads first, then what the video is: fits 1366 px without scrolling.
    list_display = [
        "status_and_progress",
        "charge",
        "error_code",
        "age",
        "poster",
        "short_prompt",
        "owner",
        "model",
    ]
    list_display_links = ["status_and_progress", "short_prompt"]
    list_filter = [
        AttentionFilter,
        "status",
        "charge_status",
        "model",
        "endpoint",
        "style",
        "created_at",
    ]
    search_fields = ["id", "owner__email", "prompt", "provider_video_id"]
    list_select_related = ["owner"]
    show_full_result_count = False
    date_hierarchy = "created_at"
    actions = ["pull_now", "fail_and_refund"]
    readonly_fields = [f.name for f in VideoJob._meta.fields] + ["play", "picture"]
    fieldsets = [
        (None, {"fields": ["id", "owner", "batch", "status", "progress", ("picture", "play")]}),
        (
            "Order",
            {
                "fields": [
                    "prompt",
                    "style",
                    "model",
                    "seconds",
                    "size",
                    "format",
                    "remixed_from",
                    "image_from_video",
                    "input_image",
                ]
            },
        ),
        ("Money", {"fields": ["cost", "charge_status", "hold"]}),
        (
            "Provider",
            {
                "fields": [
                    "endpoint",
                    "upstream_model",
                    "provider_video_id",
                    "error_code",
                    "error_message",
                    "error_detail",
                    "provider_expires_at",
                    "file",
                    "thumbnail",
                ]
            },
        ),
        (
            "Worker",
            {
                "classes": ["collapse"],
                "fields": [
                    "next_poll_at",
                    "poll_count",
                    "poll_failures",
                    "last_polled_at",
                    "download_attempts",
                    "download_lease_until",
                    "idempotency_key",
                ],
            },
        ),
        ("Dates", {"fields": ["created_at", "updated_at", "completed_at"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="status", ordering="status")
    def status_and_progress(self, job):
        if job.status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS):
            return f"{job.get_status_display()} {job.progress} %"
        return job.get_status_display()

    @admin.display(description="charge", ordering="cost")
    def charge(self, job):
        held = {ChargeStatus.PENDING: "held"}.get(job.charge_status, job.charge_status)
        return f"{job.cost} {held}"

    @admin.display(description="prompt")
    def short_prompt(self, job):
        return format_html(
            '<span title="{}">{}</span>', job.prompt, Truncator(job.prompt).chars(PROMPT_SHOWN)
        )

    @admin.display(description="poster")
    def poster(self, job):
        url = thumbnail_url_for(job)
        if not url:
            return "—"
        return format_html(
            '<img src="{}" alt="poster" height="36" loading="lazy" class="job-poster">', url
        )

    @admin.display(description="age", ordering="created_at")
    def age(self, job):
        return timesince(job.created_at)

    @admin.display(description="video")
    def play(self, job):
        url = file_url_for(job)
        if not url:
            return "—"
        return format_html('<video src="{}" controls width="360"></video>', url)

    @admin.display(description="starts from")
    def picture(self, job):
        url = input_image_url_for(job)
        if not url:
            return "—"
        return format_html('<img src="{}" alt="first frame" width="360">', url)

    def has_refund_permission(self, request, obj=None) -> bool:
        # Refunding moves money: it takes the wallet's permission, not just access to jobs.
        return self.has_change_permission(request, obj) and request.user.has_perm(
            "wallet.move_credits"
        )

    @admin.action(
        description="Pull now: ask the provider and download if ready", permissions=["change"]
    )
    def pull_now(self, request, queryset):
        for job in queryset.filter(status__in=ACTIVE_STATUSES):
            job = refresh_job(job_id=job.id, download_now=True)
            self.message_user(request, f"{job.id}: {job.status}", messages.INFO)

    @admin.action(description="Fail and refund (for stuck jobs)", permissions=["refund"])
    def fail_and_refund(self, request, queryset):
        refunded = sum(
            self._fail_and_refund(request, job_id)
            for job_id in queryset.filter(status__in=ACTIVE_STATUSES).values_list("pk", flat=True)
        )
        skipped = queryset.count() - refunded
        self.message_user(
            request,
            f"{refunded} job(s) failed and refunded; "
            f"{skipped} already finished, left as they were.",
            messages.SUCCESS if refunded else messages.WARNING,
        )

    def _own_view(self, view):
        """An extra page of this admin's, known as its own to the dashboard's link check
        (storycraft.admin.can_open asks `model_admin`, as Django's own views carry it)."""
        wrapped = self.admin_site.admin_view(view)
        wrapped.model_admin = self
        return wrapped

    def get_urls(self):
        refund = path(
            "<path:object_id>/fail-and-refund/",
            self._own_view(self.fail_and_refund_view),
            name="videos_videojob_fail_and_refund",
        )
        margins = path(
            "margins/", self._own_view(self.margin_report_view), name="videos_margin_report"
        )
        return [refund, margins, *super().get_urls()]

    def margin_report_view(self, request):
        """Per model and day: credits charged, their value, provider cost, gross margin."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = min(max(int(request.GET.get("days", 30)), 1), 366)
        except ValueError:
            days = 30
        rows = margin_rows(days=days)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Margin report, last {days} days",
            "opts": self.model._meta,
            "rows": rows,
            "total": totals(rows),
            "days": days,
            "credit_value": settings.CREDIT_VALUE_USD,
        }
        return TemplateResponse(request, "admin/videos/margin_report.html", context)

    def fail_and_refund_view(self, request, object_id):
        """One job's "Fail and refund" button: a confirmation page, then the action."""
        job = self.get_object(request, object_id)
        if job is None:
            raise Http404("No such video job.")
        if not self.has_refund_permission(request, job):
            raise PermissionDenied
        if request.method == "POST":
            if job.is_active and self._fail_and_refund(request, job.pk):
                self.message_user(
                    request, f"Job {job.pk} failed; {job.cost} credits refunded.", messages.SUCCESS
                )
            else:
                message = f"Job {job.pk} had already finished; nothing changed."
                self.message_user(request, message, messages.WARNING)
            return redirect("admin:videos_videojob_change", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Fail and refund this job?",
            "subtitle": str(job),
            "opts": self.model._meta,
            "original": job,
        }
        return TemplateResponse(request, "admin/videos/videojob/fail_and_refund.html", context)

    def _fail_and_refund(self, request, job_id) -> bool:
        # The customer reads the message and the ledger note: they name support, never a
        # person. Who did it stays in the audit trail (the ledger's created_by, LogEntry).
        job = lifecycle.fail_job(
            job_id=job_id,
            code="cancelled_by_support",
            message="Failed and refunded by support.",
            staff=request.user,
        )
        refunded = job.charge_status == ChargeStatus.REFUNDED
        if refunded:
            self.log_change(request, job, "Failed and refunded.")
        return refunded


class VideoJobInline(admin.TabularInline):
    model = VideoJob
    readonly_fields = ["id", "style", "status", "progress", "cost", "charge_status", "error_code"]
    fields = tuple(readonly_fields)
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "model", "seconds", "size", "created_at"]
    search_fields = ["id", "owner__email", "prompt"]
    list_select_related = ["owner"]
    readonly_fields = [f.name for f in Batch._meta.fields]
    inlines = [VideoJobInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["webhook_id", "event_type", "provider_video_id", "received_at"]
    search_fields = ["webhook_id", "provider_video_id"]
    readonly_fields = ["webhook_id", "event_type", "provider_video_id", "received_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
