import signal

from django.core.management.base import BaseCommand

from videos.provider import http as provider_http
from videos.services.polling import run_sweeper, sweep


class Command(BaseCommand):
    help = (
        "Run one sweep: poll every due video job and start due downloads (for cron or "
        "debugging). With --forever: the deployment's poller process, sweeping as jobs come "
        "due until SIGTERM or Ctrl-C (safe to run twice: sweepers never share a job)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--forever",
            action="store_true",
            help="keep sweeping; downloads go to the worker queue",
        )

    def handle(self, *args, **options):
        if options["forever"]:
            stopping = []

            def stop(signum, frame):
                stopping.append(signum)
                provider_http.stopping.set()  # a poll waiting to retry gives up at once

            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            self.stdout.write("Polling video jobs until stopped.")
            sweeps = run_sweeper(seconds=None, stop=lambda: bool(stopping))
            self.stdout.write(f"Stopped after {sweeps} sweep(s).")
            return
        result = sweep(download_now=True)
        self.stdout.write(
            f"Polled {result.polled} job(s); downloaded {result.downloads} ready one(s)."
        )
