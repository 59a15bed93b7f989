from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_save


class WalletConfig(AppConfig):
    name = "wallet"
    verbose_name = "Credits wallet"

    def ready(self):
        # Imported here: it imports models, which are not loaded when apps.py is.
        from accounts.signals import email_verified
        from storycraft.errors import register_error_statuses
        from wallet.exceptions import CreditsOwed
        from wallet.receivers import grant_welcome_credits_on_verification, open_wallet_of_new_user

        # The one wallet refusal an order answers as it is (the others become order errors).
        register_error_statuses({CreditsOwed: 402})

        # The wallet depends on accounts, not the other way round: accounts saves the user,
        # the wallet opens itself.
        post_save.connect(
            open_wallet_of_new_user,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="wallet.open_wallet_of_new_user",
        )
        email_verified.connect(
            grant_welcome_credits_on_verification,
            dispatch_uid="wallet.grant_welcome_credits_on_verification",
        )
