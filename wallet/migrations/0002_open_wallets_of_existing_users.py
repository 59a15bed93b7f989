"""Users who signed up before the ledger existed get the wallet and welcome grant they were promised."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def open_missing_wallets(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Wallet = apps.get_model("wallet", "Wallet")
    LedgerEntry = apps.get_model("wallet", "LedgerEntry")
    welcome = settings.WELCOME_CREDITS
    for user in User.objects.filter(wallet__isnull=True).iterator():
        wallet = Wallet.objects.create(user=user, balance=welcome, created_at=timezone.now())
        if welcome > 0:
            LedgerEntry.objects.create(
                wallet=wallet,
                kind="welcome",
                balance_change=welcome,
                reserved_change=0,
                balance_after=welcome,
                reserved_after=0,
                key="welcome",
                note="Welcome credits",
                created_at=timezone.now(),
            )


class Migration(migrations.Migration):
    dependencies = [("wallet", "0001_initial")]

    operations = [migrations.RunPython(open_missing_wallets, migrations.RunPython.noop)]
