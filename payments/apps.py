from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        # Imported here: these import models, which are not loaded when apps.py is.
        from payments.responses import ERROR_STATUSES
        from payments.schedules import ensure_reconcile_schedule
        from storycraft.errors import register_error_statuses

        register_error_statuses(ERROR_STATUSES)
        post_migrate.connect(ensure_reconcile_schedule, sender=self)
