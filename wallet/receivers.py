"""How the wallet follows other apps' events, connected in WalletConfig.ready()."""

from django.conf import settings

from wallet.services import grant_welcome_credits, open_wallet


def open_wallet_of_new_user(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save of the user model: a new user has a wallet from their first committed
    moment, written in the transaction that saves them, with the welcome credits when
    WELCOME_CREDITS_AFTER=registration. Every way of creating a user goes through save():
    registration, createsuperuser, the admin's add form, tests. Fixtures (raw saves) bring
    their own wallets, or get one on first use."""
    if created and not raw:
        open_wallet(user=instance)


def grant_welcome_credits_on_verification(sender, user, **kwargs) -> None:
    """accounts' email_verified: the free credits wait for a verified address (the rule
    against farming them with made-up emails)."""
    if settings.WELCOME_CREDITS_AFTER == "verification":
        grant_welcome_credits(user=user)
