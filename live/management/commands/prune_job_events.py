from django.core.management.base import BaseCommand

from live.services import prune_live_tables


class Command(BaseCommand):
    help = "Forget job events older than LIVE_REPLAY_HOURS and expired stream tickets."

    def handle(self, *args, **options):
        events, tickets = prune_live_tables()
        self.stdout.write(f"Pruned {events} job events and {tickets} expired stream tickets.")
