from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from rest_framework import status

        from accounts.exceptions import TokenInvalid
        from storycraft.errors import register_error_statuses

        # WrongPassword and EmailTaken are answered as field errors by the views.
        register_error_statuses({TokenInvalid: status.HTTP_400_BAD_REQUEST})
        # Imported here: it imports the auth models, which are not loaded when apps.py is.
        from accounts.support import ensure_support_group_after_migrate

        # A flushed test database gets the Support group back.
        post_migrate.connect(ensure_support_group_after_migrate, sender=self)
