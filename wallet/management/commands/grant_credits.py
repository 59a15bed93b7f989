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
        parser.add_argument(
            "--by", help="staff email, recorded on the ledger entry as who granted it"
        )

    def handle(self, *args, email, amount, reason, key, by, **options):
        staff = _granting_staff(by)
        try:
            user = get_user_model().objects.get(email__iexact=email.strip())
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user with email {email}.") from None
        try:
            entry = services.grant_credits(
                user=user, amount=amount, reason=reason, staff=staff, key=key
            )
        except (ValueError, LedgerKeyReused) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Entry #{entry.pk}: {entry.amount} credits granted to {user.email}; "
            f"available now {available_credits(user=user)}."
        )


def _granting_staff(email: str | None):
    """The staff member named by --by, who must be allowed to move credits in the admin."""
    if not email:
        return None
    staff = get_user_model().objects.filter(email__iexact=email.strip(), is_staff=True).first()
    if staff is None or not staff.is_active:
        raise CommandError(f"--by: no active staff member with email {email}.")
    if not staff.has_perm("wallet.move_credits"):
        raise CommandError(f"--by: {staff.email} may not grant or deduct credits.")
    return staff
