"""How videos follows other apps' events, connected in VideosConfig.ready()."""

from django.db import transaction
from django_q.tasks import async_task

from videos.services import erasure


def end_videos_of_deleted_account(sender, user, **kwargs) -> None:
    """accounts' account_deleted: in its transaction, the jobs in flight are cancelled and
    refunded; once committed, the worker erases the stored files."""
    erasure.end_jobs_of(owner_id=user.pk)
    owner_id = str(user.pk)
    transaction.on_commit(
        lambda: async_task("videos.tasks.erase_videos_of", owner_id, group="account-erasure")
    )
