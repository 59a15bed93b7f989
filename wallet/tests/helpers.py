"""People and wallets for the wallet tests."""

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from wallet.models import LedgerEntry, Wallet
from wallet.services import deduct_credits, grant_credits


def person(name: str, *, available: int | None = None, **extra) -> User:
    """A user signed up the usual way; with `available`, their wallet holds exactly that."""
    user = User.objects.create_user(
        email=f"{name}@example.com", password="correct horse 42", **extra
    )
    if available is not None:
        current = Wallet.objects.get(user=user).available
        if available > current:
            grant_credits(user=user, amount=available - current, reason="test setup")
        elif available < current:
            deduct_credits(user=user, amount=current - available, reason="test setup")
    return user


def wallet_of(user: User) -> Wallet:
    return Wallet.objects.get(user=user)


def entries_of(user: User, *kinds: str) -> list[LedgerEntry]:
    entries = LedgerEntry.objects.filter(wallet__user=user).order_by("id")
    return list(entries.filter(kind__in=kinds) if kinds else entries)


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client
