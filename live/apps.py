from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live job updates"

    def ready(self) -> None:
        # Imported here: it imports models, which are not loaded when apps.py is.
        from live.triggers import ensure_triggers

        post_migrate.connect(ensure_triggers, sender=self)
