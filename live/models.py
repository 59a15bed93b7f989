from django.conf import settings
from django.db import models
from django.utils import timezone


class JobEvent(models.Model):
    """A change to a video job, for the event stream: written by a database trigger on
    videos_videojob in the transaction of the change itself (see live/triggers.py)."""

    id = models.BigAutoField(primary_key=True)
    # Plain values, no foreign keys: the trigger must never make a job's write fail.
    job_id = models.UUIDField()
    owner_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "job_events"
        indexes = [
            models.Index(fields=["owner_id", "id"], name="job_events_owner"),
            models.Index(fields=["created_at"], name="job_events_age"),
        ]

    def __str__(self) -> str:
        return f"event {self.id} of job {self.job_id}"


class StreamTicket(models.Model):
    """A single-use ticket that opens one event stream (EventSource can't send a token).

    Only the SHA-256 of the ticket is kept; redeeming it deletes the row.
    """

    digest = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"stream ticket of {self.user_id}"


class OpenStream(models.Model):
    """An event stream being served, in whichever web process: at most
    LIVE_MAX_STREAMS_PER_USER per user. A stream whose row is gone (a newer stream pushed
    it out, its user logged out everywhere or was deleted) ends at its next check.

    A process killed without closing its streams leaves rows behind; they are the oldest,
    so the user's next streams push them out.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "live_open_streams"
        indexes = [models.Index(fields=["user", "-id"], name="live_open_streams_user")]

    def __str__(self) -> str:
        return f"stream {self.id} of {self.user_id}"
