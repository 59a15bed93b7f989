"""What a verified provider webhook makes happen: the same step the poller takes."""

import logging

from django_q.tasks import async_task

from videos.models import VideoJob

logger = logging.getLogger(__name__)


def handle_video_event(endpoint_id: int, provider_video_id: str, event_type: str) -> None:
    """Follow up on `video.completed` / `video.failed`: refresh that job in the worker."""
    job_id = (
        VideoJob.objects.filter(endpoint_id=endpoint_id, provider_video_id=provider_video_id)
        .values_list("id", flat=True)
        .first()
    )
    if job_id is None:
        logger.info("webhook %s for unknown video %s ignored", event_type, provider_video_id)
        return
    try:
        async_task("videos.tasks.refresh_video", str(job_id), group="video-webhooks")
    except Exception:
        # The delivery is already recorded, so the provider's retry would be ignored as a
        # duplicate: the poller is what picks this job up now.
        logger.exception("could not queue the follow-up of %s for job %s", event_type, job_id)
