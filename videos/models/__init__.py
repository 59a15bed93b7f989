from videos.models.webhooks import WebhookDelivery

__all__ = ["WebhookDelivery"]
