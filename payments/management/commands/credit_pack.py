from django.core.management.base import BaseCommand, CommandError

from payments.services import parse_price, set_credit_pack


class Command(BaseCommand):
    help = (
        "Create a credit pack or bring the pack of that name to these values (idempotent): "
        "credit_pack Starter --credits 500 --price 5.00 --currency usd [--disable]"
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--credits", type=int, required=True)
        parser.add_argument("--price", required=True, help="In the currency's units: 5.00")
        parser.add_argument("--currency", default="usd")
        parser.add_argument("--position", type=int, default=None, help="Order in the list.")
        parser.add_argument("--disable", action="store_true", help="Stop selling it.")

    def handle(self, *args, name, credits, price, currency, position, disable, **options):
        try:
            amount = parse_price(price, currency)
            change = set_credit_pack(
                name=name,
                credits=credits,
                amount=amount,
                currency=currency,
                active=not disable,
                position=position,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        if change.created:
            self.stdout.write(self.style.SUCCESS(f"Created {change.pack}."))
        elif change.changed:
            self.stdout.write(f"Updated {change.pack}: {', '.join(change.changed)}.")
        else:
            self.stdout.write(f"Unchanged: {change.pack}.")
