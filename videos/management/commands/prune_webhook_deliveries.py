from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from videos.models import WebhookDelivery


class Command(BaseCommand):
    help = (
        "Forget webhook deliveries older than --days (default 7). Providers stop retrying "
        "a delivery after 72 hours, so older ids are never seen again. Safe to run from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days: int, **options):
        cutoff = timezone.now() - timedelta(days=max(days, 3))
        deleted, _ = WebhookDelivery.objects.filter(received_at__lt=cutoff).delete()
        self.stdout.write(
            f"Deleted {deleted} webhook deliveries received before {cutoff:%Y-%m-%d %H:%M}."
        )
