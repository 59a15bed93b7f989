from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live job updates"

    def ready(self) -> None:
        # Imported here: it imports models, which are not loaded when apps.py is.
        from accounts.signals import sessions_ended
        from live.triggers import ensure_triggers

        post_migrate.connect(ensure_triggers, sender=self)
        sessions_ended.connect(_end_streams, dispatch_uid="live.end_streams")


def _end_streams(sender, user, **kwargs) -> None:
    from live.services import end_streams_of

    end_streams_of(user=user)
