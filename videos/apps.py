from django.apps import AppConfig
from django.db.models.signals import post_migrate


class VideosConfig(AppConfig):
    name = "videos"
    verbose_name = "Videos"

    def ready(self):
        # Imported here: these import models, which are not loaded when apps.py is.
        from storycraft.errors import register_error_statuses
        from storycraft.health import register_check
        from videos.responses import ERROR_STATUSES
        from videos.schedules import ensure_sweeper_schedule, worker_is_running

        # After every migrate (and every test-database flush) the sweeper is scheduled.
        post_migrate.connect(ensure_sweeper_schedule, sender=self)
        # The API's status for each videos exception (the services know none).
        register_error_statuses(ERROR_STATUSES)
        register_check("worker", worker_is_running)
