from django.db import models


class WebhookDelivery(models.Model):
    """A verified provider webhook, kept so that a redelivered `webhook-id` is ignored."""

    webhook_id = models.CharField(max_length=255, unique=True)
    event_type = models.CharField(max_length=64)
    provider_video_id = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id}"
