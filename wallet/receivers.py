"""How the wallet follows other apps' events, connected in WalletConfig.ready()."""

from wallet.services import open_wallet


def open_wallet_of_new_user(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save of the user model: a new user has a wallet with the welcome credits from
    their first committed moment, written in the transaction that saves them. Every way of
    creating a user goes through save(): registration, createsuperuser, the admin's add
    form, tests. Fixtures (raw saves) bring their own wallets, or get one on first use."""
    if created and not raw:
        open_wallet(user=instance)
