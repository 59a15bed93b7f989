"""Helpers only the wallet tests use; the people are in testing.py."""

from accounts.models import User
from wallet.models import Wallet


def wallet_of(user: User) -> Wallet:
    return Wallet.objects.get(user=user)
