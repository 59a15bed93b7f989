from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from wallet import services
from wallet.exceptions import LedgerKeyReused
from wallet.selectors import available_credits


class Command(BaseCommand):
    help = "Grant credits to a user. With --key, running it again grants nothing more."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("amount", type=int)
        parser.add_argument("--reason", required=True, help="Recorded on the ledger entry.")
        parser.add_argument("--key", help="Idempotency key, e.g. a support ticket number.")

    def handle(self, *args, email, amount, reason, key, **options):
        try:
            user = get_user_model().objects.get(email__iexact=email.strip())
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user with email {email}.") from None
        try:
            entry = services.grant_credits(user=user, amount=amount, reason=reason, key=key)
        except (ValueError, LedgerKeyReused) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Entry #{entry.pk}: {entry.amount} credits granted to {user.email}; "
            f"available now {available_credits(user=user)}."
        )
