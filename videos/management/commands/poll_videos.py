from django.core.management.base import BaseCommand

from videos.services.polling import sweep


class Command(BaseCommand):
    help = (
        "Run one sweep: poll every due video job and start due downloads (for cron or debugging)."
    )

    def handle(self, *args, **options):
        result = sweep(download_now=True)
        self.stdout.write(
            f"Polled {result.polled} job(s); downloaded {result.downloads} ready one(s)."
        )
