from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyRecord(models.Model):
    """One Idempotency-Key of one user, across every order endpoint, and its one answer."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text="The endpoint and body of the request that first used the key."
    )
    # NULL while the first request runs; then the answer every retry gets.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    # The first request's claim: when it lapses unanswered (its process died), a retry
    # takes the key over and finds what was already created by the key.
    locked_until = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="videos_idempotency_owner_key"),
        ]

    def __str__(self) -> str:
        return f"Idempotency-Key {self.key}"
