from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Model catalog"

    def ready(self):
        # Imported here: it imports models, which are not loaded when apps.py is.
        from catalog.schedules import ensure_catalog_sync_schedule
        from catalog.seed import ensure_default_endpoint

        # Jobs and webhooks need the default endpoint; a flushed test database gets it back.
        post_migrate.connect(ensure_default_endpoint, sender=self)
        # The models follow their providers daily (catalog.tasks.sync_all_catalogs).
        post_migrate.connect(ensure_catalog_sync_schedule, sender=self)
