"""What happens to a deleted account's videos: nothing left running, nothing left stored.

The job rows stay, without their files: the ledger's holds name them, and the books must
still add up after the account is gone.
"""

import logging

from django.core.files.storage import default_storage
from django.db.models import Q

from videos.exceptions import NotCancellable
from videos.models import ACTIVE_STATUSES, VideoJob
from videos.services import lifecycle

logger = logging.getLogger(__name__)


def end_jobs_of(*, owner_id) -> int:
    """Cancel every unfinished job of the owner, credits back and the provider's copy
    deleted; one already downloading is failed instead (its download then keeps nothing).
    How many were ended."""
    job_ids = list(
        VideoJob.objects.filter(owner_id=owner_id, status__in=ACTIVE_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for job_id in job_ids:
        try:
            lifecycle.cancel_job(job_id=job_id)
        except NotCancellable:
            lifecycle.fail_job(
                job_id=job_id, code="account_deleted", message="The account was deleted."
            )
    return len(job_ids)


def erase_videos_of(*, owner_id) -> int:
    """Delete every file stored for the owner's videos (MP4s, posters, input pictures),
    all of which live under `videos/<owner>/`. Safe to run again; how many were deleted."""
    folder = f"videos/{owner_id}"
    try:
        _, names = default_storage.listdir(folder)
    except FileNotFoundError:
        names = []
    for name in names:
        default_storage.delete(f"{folder}/{name}")
    VideoJob.objects.filter(owner_id=owner_id).filter(~Q(file="") | ~Q(thumbnail="")).update(
        file="", thumbnail=""
    )
    logger.info("erased %d stored files of the videos of user %s", len(names), owner_id)
    return len(names)
