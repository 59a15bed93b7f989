from django.apps import AppConfig
from django.db.models.signals import post_migrate


class VideosConfig(AppConfig):
    name = "videos"
    verbose_name = "Videos"

    def ready(self):
        # Imported here: these import models, which are not loaded when apps.py is.
        from accounts.signals import account_deleted
        from storycraft.errors import register_error_statuses
        from storycraft.health import register_check
        from videos.receivers import end_videos_of_deleted_account
        from videos.responses import ERROR_STATUSES
        from videos.schedules import ensure_sweeper_schedule, worker_is_running

        # After every migrate (and every test-database flush) the sweeper is scheduled.
        post_migrate.connect(ensure_sweeper_schedule, sender=self)
        # The API's status for each videos exception (the services know none).
        register_error_statuses(ERROR_STATUSES)
        register_check("worker", worker_is_running)
        # Accounts sits below videos: it announces a deletion, videos ends what it owns.
        account_deleted.connect(
            end_videos_of_deleted_account, dispatch_uid="videos.end_videos_of_deleted_account"
        )
