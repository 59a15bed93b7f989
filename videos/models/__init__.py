from videos.models.idempotency import IdempotencyRecord
from videos.models.jobs import ACTIVE_STATUSES, Batch, ChargeStatus, JobStatus, VideoJob
from videos.models.webhooks import WebhookDelivery

__all__ = [
    "ACTIVE_STATUSES",
    "Batch",
    "ChargeStatus",
    "IdempotencyRecord",
    "JobStatus",
    "VideoJob",
    "WebhookDelivery",
]
