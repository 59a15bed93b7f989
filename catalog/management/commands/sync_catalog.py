from django.core.management.base import BaseCommand, CommandError

from catalog import services
from catalog.management.commands._common import staff_member
from catalog.models import ProviderEndpoint, SyncChange
from catalog.upstream import can_list_models


class Command(BaseCommand):
    help = (
        "Read the provider's model list and follow it: models the catalog lacks are added "
        "disabled and priced by the margin rule, upstream prices are updated (never the sell "
        "price), models gone upstream are disabled. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("endpoints", nargs="*", metavar="ENDPOINT", help="endpoint names")
        parser.add_argument(
            "--all", action="store_true", help="every endpoint that lists its models"
        )
        parser.add_argument("--by", help="staff email, recorded in the admin's history")

    def handle(self, *args, endpoints, by, **options):
        user = staff_member(by)
        if options["all"]:
            targets = [
                endpoint for endpoint in ProviderEndpoint.objects.all() if can_list_models(endpoint)
            ]
        elif endpoints:
            targets = list(ProviderEndpoint.objects.filter(name__in=endpoints))
            missing = sorted(set(endpoints) - {endpoint.name for endpoint in targets})
            if missing:
                raise CommandError(f"No endpoint named {', '.join(missing)}.")
        else:
            raise CommandError("Name an endpoint, or give --all.")
        failed = []
        for endpoint in targets:
            sync = services.sync_catalog(endpoint=endpoint, by=user)
            if not sync.ok:
                failed.append(endpoint.name)
                self.stderr.write(
                    f"{endpoint.name}: the model list could not be read: {sync.error}"
                )
                continue
            counts = ", ".join(f"{sync.count(kind)} {label}" for kind, label in SyncChange.choices)
            self.stdout.write(f"{endpoint.name}: {sync.listed} listed; {counts}.")
            for change in sync.changes:
                self.stdout.write(f"  {change['model']}: {change['text']}")
        if failed:
            raise CommandError(f"Not synced: {', '.join(failed)}.")
