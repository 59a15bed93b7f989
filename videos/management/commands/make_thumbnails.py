from django.core.management.base import BaseCommand

from videos.models import JobStatus, VideoJob
from videos.services.thumbnails import store_thumbnail


class Command(BaseCommand):
    help = (
        "Give every completed video that has none its poster image (the provider's "
        "thumbnail, else the first frame). Safe to run again: videos with one are skipped."
    )

    def handle(self, *args, **options):
        pending = (
            VideoJob.objects.filter(status=JobStatus.COMPLETED, thumbnail="")
            .exclude(file="")
            .order_by("created_at")
            .values_list("id", flat=True)
        )
        made = missed = 0
        for job_id in pending.iterator():
            if store_thumbnail(job_id=job_id).thumbnail:
                made += 1
            else:
                missed += 1
        self.stdout.write(f"{made} poster image(s) made, {missed} could not be made.")
