from django.db import models


class WebhookDelivery(models.Model):
    """A verified provider webhook, kept so that a redelivered `webhook-id` is ignored."""

    endpoint = models.ForeignKey(
        "catalog.ProviderEndpoint", on_delete=models.PROTECT, related_name="+"
    )
    webhook_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=64)
    provider_video_id = models.CharField(max_length=1024, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "webhook_id"], name="videos_webhook_delivered_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id}"
