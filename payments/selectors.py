"""Read-only queries on packs and top-ups."""

import uuid

from django.db.models import QuerySet

from payments.models import CreditPack, TopUp
from wallet.models import Wallet


def active_packs() -> QuerySet[CreditPack]:
    return CreditPack.objects.filter(active=True).order_by("position", "amount", "name", "id")


def top_ups_of(*, user) -> QuerySet[TopUp]:
    return TopUp.objects.filter(user=user)


def credits_owed_by_top_up(*, user) -> dict:
    """What each top-up still owes: the wallet's debt, shared over the top-ups whose refund
    or dispute left a shortfall. Grants and purchases pay the oldest debts first, so what
    remains belongs to the newest."""
    owed = Wallet.objects.filter(user=user).values_list("owed", flat=True).first() or 0
    result: dict[uuid.UUID, int] = {}
    if owed <= 0:
        return result
    short = TopUp.objects.filter(user=user, credits_shortfall__gt=0).order_by("-created_at", "-id")
    for top_up_id, shortfall in short.values_list("id", "credits_shortfall"):
        share = min(owed, shortfall)
        result[top_up_id] = share
        owed -= share
        if owed <= 0:
            break
    return result
