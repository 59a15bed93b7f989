from datetime import datetime, time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from payments.reconcile import reconcile_payments
from storycraft.exceptions import DomainError


class Command(BaseCommand):
    help = (
        "Compare Stripe's succeeded PaymentIntents of StoryCraft top-ups with the ledger's "
        "purchases; --fix grants what a lost webhook missed. Exits 1 on any difference."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", help="Only payments created on or after this day (YYYY-MM-DD)."
        )
        parser.add_argument("--fix", action="store_true", help="Grant the paid, ungranted ones.")

    def handle(self, *args, since, fix, **options):
        start = None
        if since:
            day = parse_date(since) if len(since) == 10 else None
            if day is None:
                raise CommandError(f"--since {since!r}: a day as YYYY-MM-DD.")
            start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
        try:
            report = reconcile_payments(since=start, fix=fix)
        except DomainError as error:
            raise CommandError(
                f"Stripe at {settings.STRIPE_API_BASE} could not be asked ({error.code}); "
                "nothing was changed."
            ) from None
        for difference in report.differences:
            self.stdout.write(
                f"{difference.payment_intent} (top-up {difference.top_up}): {difference.problem}"
                + (" — granted now" if difference.fixed else "")
            )
        summary = f"Checked {report.checked} succeeded payment(s) at Stripe: "
        if report.differences:
            fixed = sum(difference.fixed for difference in report.differences)
            raise CommandError(
                summary + f"{len(report.differences)} difference(s), {fixed} fixed.", returncode=1
            )
        self.stdout.write(self.style.SUCCESS(summary + "all granted, no difference."))
