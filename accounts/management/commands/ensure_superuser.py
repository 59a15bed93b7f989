import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User


class Command(BaseCommand):
    help = (
        "Create a staff superuser from DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD "
        "unless that account exists. Safe to run at every start."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", default=None)
        parser.add_argument("--password", default=None)

    def handle(self, *args, email=None, password=None, **options):
        email = (email or os.environ.get("DJANGO_SUPERUSER_EMAIL", "")).strip()
        password = password or os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if not email:
            self.stdout.write("No DJANGO_SUPERUSER_EMAIL set; no staff account created.")
            return
        if User.objects.filter(email__iexact=email).exists():
            self.stdout.write(f"Staff account {email} already exists.")
            return
        if not password:
            raise CommandError("DJANGO_SUPERUSER_PASSWORD is required with DJANGO_SUPERUSER_EMAIL.")
        with transaction.atomic():
            User.objects.create_superuser(email=email, password=password)
        self.stdout.write(self.style.SUCCESS(f"Created staff account {email}."))
