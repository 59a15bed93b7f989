from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from rest_framework import status

        from accounts.exceptions import TokenInvalid
        from storycraft.errors import register_error_statuses

        # WrongPassword and EmailTaken are answered as field errors by the views.
        register_error_statuses({TokenInvalid: status.HTTP_400_BAD_REQUEST})
