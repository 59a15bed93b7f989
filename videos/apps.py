from django.apps import AppConfig
from django.db.models.signals import post_migrate


class VideosConfig(AppConfig):
    name = "videos"
    verbose_name = "Videos"

    def ready(self):
        from storycraft.health import register_check
        from videos.schedules import ensure_sweeper_schedule, worker_is_running

        # After every migrate (and every test-database flush) the sweeper is scheduled.
        post_migrate.connect(ensure_sweeper_schedule, sender=self)
        register_check("worker", worker_is_running)
