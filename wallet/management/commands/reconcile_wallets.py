from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Sum, Window
from django.db.models.functions import Coalesce

from wallet.models import RESOLUTION_KINDS, EntryKind, LedgerEntry, Wallet


class Command(BaseCommand):
    help = (
        "Recompute every wallet from its ledger entries and report any drift. "
        "Read-only; exits 1 when anything disagrees."
    )

    def handle(self, *args, **options):
        problems = [*self.wallet_drift(), *self.broken_chains(), *self.bad_resolutions()]
        for problem in problems:
            self.stdout.write(problem)
        summary = (
            f"Checked {Wallet.objects.count()} wallets and {LedgerEntry.objects.count()} entries: "
        )
        if problems:
            raise CommandError(summary + f"{len(problems)} problem(s).", returncode=1)
        self.stdout.write(self.style.SUCCESS(summary + "no drift."))

    def wallet_drift(self):
        wallets = (
            Wallet.objects.annotate(
                entries_balance=Coalesce(Sum("entries__balance_change"), 0),
                entries_reserved=Coalesce(Sum("entries__reserved_change"), 0),
            )
            .exclude(balance=F("entries_balance"), reserved=F("entries_reserved"))
            .select_related("user")
            .order_by("pk")
        )
        for wallet in wallets.iterator():
            yield (
                f"wallet {wallet.pk} ({wallet.user.email}): balance {wallet.balance}, "
                f"reserved {wallet.reserved}; its entries add up to balance "
                f"{wallet.entries_balance}, reserved {wallet.entries_reserved}"
            )

    def broken_chains(self):
        # Entries of one wallet are written one at a time under its row lock, so in id order
        # each one's totals must be the running sums of the changes so far.
        def running(field):
            return Window(Sum(field), partition_by=[F("wallet_id")], order_by=F("id").asc())

        entries = (
            LedgerEntry.objects.annotate(
                running_balance=running("balance_change"),
                running_reserved=running("reserved_change"),
            )
            .exclude(balance_after=F("running_balance"), reserved_after=F("running_reserved"))
            .order_by("id")
        )
        for entry in entries.iterator():
            yield (
                f"entry {entry.pk} (wallet {entry.wallet_id}): records balance "
                f"{entry.balance_after}, reserved {entry.reserved_after}; the entries up to it "
                f"add up to balance {entry.running_balance}, reserved {entry.running_reserved}"
            )

    def bad_resolutions(self):
        entries = (
            LedgerEntry.objects.filter(kind__in=RESOLUTION_KINDS)
            .exclude(
                hold__kind=EntryKind.HOLD,
                hold__wallet_id=F("wallet_id"),
                reserved_change=-F("hold__reserved_change"),
            )
            .order_by("id")
        )
        for entry in entries.iterator():
            yield f"entry {entry.pk} ({entry.kind}) does not match the hold {entry.hold_id}"
