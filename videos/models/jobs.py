import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    DOWNLOADING = "downloading"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.IN_PROGRESS, JobStatus.DOWNLOADING)


class ChargeStatus(models.TextChoices):
    PENDING = "pending"
    SETTLED = "settled"
    REFUNDED = "refunded"


class Batch(models.Model):
    """One prompt ordered in several styles at once; its holds were reserved together."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prompt = models.TextField()
    model = models.CharField(max_length=100)
    seconds = models.PositiveSmallIntegerField()
    size = models.CharField(max_length=16)
    format = models.CharField(max_length=8)
    # NULL, not "", when absent: the unique constraint must ignore orders without a key.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "batches"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"], name="videos_batch_idempotency_key"
            ),
        ]

    def __str__(self) -> str:
        return f"Batch {self.id}"


class VideoJob(models.Model):
    """One video ordered from the provider, and the credits held for it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="video_jobs"
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs"
    )
    prompt = models.TextField(help_text="The user's own prompt, without the style's addition.")
    style = models.CharField(max_length=16)
    model = models.CharField(max_length=100, help_text="The catalog model it was ordered as.")
    seconds = models.PositiveSmallIntegerField()
    size = models.CharField(max_length=16)
    format = models.CharField(max_length=8)
    cost = models.PositiveIntegerField()
    # Where it was sent and as what, fixed at order time: polling, webhooks and downloads
    # keep working whatever happens to the catalog afterwards.
    endpoint = models.ForeignKey(
        "catalog.ProviderEndpoint", on_delete=models.PROTECT, related_name="+"
    )
    upstream_model = models.CharField(max_length=200)
    provider_cost_usd = models.DecimalField(
        "provider cost (USD)",
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="What the provider charged for it (its reported usage.cost), or the "
        "catalog's upstream estimate when it reports none. Never shown to users.",
    )
    provider_cost_estimated = models.BooleanField(
        default=False, help_text="The provider cost is the catalog's estimate, not reported."
    )
    hold = models.OneToOneField(
        "wallet.LedgerEntry", on_delete=models.PROTECT, related_name="video_job"
    )
    charge_status = models.CharField(
        max_length=16, choices=ChargeStatus.choices, default=ChargeStatus.PENDING
    )

    # NULL until the provider accepts the job; unique per endpoint once it has. Gateways
    # encode their routing into ids (LiteLLM's run to 242 characters).
    provider_video_id = models.CharField(max_length=1024, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True, help_text="What its owner is told.")
    error_detail = models.TextField(
        blank=True,
        help_text="What went wrong, technically (the exception, HTTP status, request id): "
        "for support, never shown to the owner.",
    )
    file = models.FileField(max_length=255, blank=True)
    thumbnail = models.FileField(
        max_length=255, blank=True, help_text="The poster image, stored beside the video."
    )
    remixed_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="remixes"
    )
    input_image = models.FileField(
        max_length=255,
        blank=True,
        help_text="The picture it starts from (its first frame), fitted to its size.",
    )
    image_from_video = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="continuations",
        help_text="The video whose last frame it starts from.",
    )
    provider_expires_at = models.DateTimeField(null=True, blank=True)

    # Poller bookkeeping: when to ask next, and a lease so one download runs at a time.
    next_poll_at = models.DateTimeField(null=True, blank=True)
    poll_count = models.PositiveIntegerField(default=0)
    poll_failures = models.PositiveSmallIntegerField(
        default=0, help_text="Failed polls in a row; the backoff grows with it."
    )
    last_polled_at = models.DateTimeField(null=True, blank=True)
    download_attempts = models.PositiveSmallIntegerField(default=0)
    download_lease_until = models.DateTimeField(null=True, blank=True)

    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"], name="videos_job_owner_list"),
            models.Index(
                fields=["next_poll_at"],
                condition=Q(status__in=["queued", "in_progress", "downloading"]),
                name="videos_job_due",
            ),
            models.Index(fields=["status", "created_at"], name="videos_job_status_age"),
            # Each order counts its owner's unfinished jobs (MAX_JOBS_IN_FLIGHT): these
            # few, not every job the owner ever had.
            models.Index(
                fields=["owner"],
                condition=Q(status__in=["queued", "in_progress", "downloading"]),
                name="videos_job_owner_unfinished",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"], name="videos_job_idempotency_key"
            ),
            models.UniqueConstraint(
                fields=["endpoint", "provider_video_id"], name="videos_job_provider_video"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100), name="videos_job_progress_0_100"
            ),
            # Money and status move together: charged only when completed,
            # refunded only when failed or cancelled.
            models.CheckConstraint(
                condition=~Q(charge_status="settled") | Q(status="completed"),
                name="videos_job_settled_only_when_completed",
            ),
            models.CheckConstraint(
                condition=~Q(charge_status="refunded") | Q(status__in=["failed", "cancelled"]),
                name="videos_job_refunded_only_when_failed_or_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.style} video {self.id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
