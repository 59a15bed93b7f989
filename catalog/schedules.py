"""The catalog sync's django-q2 schedule, kept in the database by every `migrate`."""

from django_q.models import Schedule

CATALOG_SYNC_NAME = "catalog sync"
CATALOG_SYNC_FUNC = "catalog.tasks.sync_all_catalogs"


def ensure_catalog_sync_schedule(**kwargs) -> None:
    """post_migrate receiver: create or repair the daily catalog sync (its next run and
    any hour staff chose are kept)."""
    Schedule.objects.update_or_create(
        name=CATALOG_SYNC_NAME,
        defaults={"func": CATALOG_SYNC_FUNC, "schedule_type": Schedule.DAILY, "repeats": -1},
    )
