from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from videos.models import ACTIVE_STATUSES, Batch, JobStatus, VideoJob, WebhookDelivery
from videos.services import lifecycle
from videos.services.polling import refresh_job

STUCK_AFTER = timedelta(minutes=15)


class AttentionFilter(admin.SimpleListFilter):
    """Support's first question at 2 a.m.: what is stuck, what failed today."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("stuck", "Stuck (unfinished for 15+ minutes)"),
            ("failed_today", "Failed in the last 24 hours"),
            ("unsettled", "Credits still held"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "stuck":
            return queryset.filter(status__in=ACTIVE_STATUSES, created_at__lt=now - STUCK_AFTER)
        if self.value() == "failed_today":
            return queryset.filter(status=JobStatus.FAILED, updated_at__gte=now - timedelta(days=1))
        if self.value() == "unsettled":
            return queryset.filter(charge_status="pending")
        return queryset


@admin.register(VideoJob)
class VideoJobAdmin(admin.ModelAdmin):
    list_display = [
        "short_id",
        "owner",
        "status",
        "progress",
        "style",
        "model",
        "seconds",
        "cost",
        "charge_status",
        "age",
        "error_code",
    ]
    list_filter = [AttentionFilter, "status", "charge_status", "model", "style", "created_at"]
    search_fields = ["id", "owner__email", "prompt", "provider_video_id"]
    list_select_related = ["owner"]
    show_full_result_count = False
    date_hierarchy = "created_at"
    actions = ["pull_now", "fail_and_refund"]
    readonly_fields = [f.name for f in VideoJob._meta.fields] + ["play"]
    fieldsets = [
        (None, {"fields": ["id", "owner", "batch", "status", "progress", "play"]}),
        ("Order", {"fields": ["prompt", "style", "model", "seconds", "size", "format"]}),
        ("Money", {"fields": ["cost", "charge_status", "hold"]}),
        (
            "Provider",
            {
                "fields": [
                    "provider_video_id",
                    "error_code",
                    "error_message",
                    "provider_expires_at",
                    "file",
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

    @admin.display(description="id", ordering="id")
    def short_id(self, job):
        return str(job.id)[:8]

    @admin.display(description="age", ordering="created_at")
    def age(self, job):
        return timesince(job.created_at)

    @admin.display(description="video")
    def play(self, job):
        from videos.services.files import file_url_for

        url = file_url_for(job)
        if not url:
            return "—"
        return format_html('<video src="{}" controls width="360"></video>', url)

    @admin.action(description="Pull now: ask the provider and download if ready")
    def pull_now(self, request, queryset):
        for job in queryset.filter(status__in=ACTIVE_STATUSES):
            job = refresh_job(job_id=job.id, download_now=True)
            self.message_user(request, f"{job.id}: {job.status}", messages.INFO)

    @admin.action(description="Fail and refund (for stuck jobs)")
    def fail_and_refund(self, request, queryset):
        refunded = 0
        for job in queryset.filter(status__in=ACTIVE_STATUSES):
            job = lifecycle.fail_job(
                job_id=job.id,
                code="cancelled_by_support",
                message=f"Failed and refunded by {request.user.email}.",
                staff=request.user,
            )
            refunded += job.charge_status == "refunded"
        skipped = queryset.count() - refunded
        self.message_user(
            request,
            f"{refunded} job(s) failed and refunded; "
            f"{skipped} already finished, left as they were.",
            messages.SUCCESS if refunded else messages.WARNING,
        )


class VideoJobInline(admin.TabularInline):
    model = VideoJob
    fields = ["id", "style", "status", "progress", "cost", "charge_status", "error_code"]
    readonly_fields = fields
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
