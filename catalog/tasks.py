"""django-q2 entry points of the catalog."""

from catalog import services
from catalog.models import ProviderEndpoint
from catalog.upstream import can_list_models

DAILY = "daily schedule"


def sync_all_catalogs() -> str:
    """Run by the daily schedule: sync every endpoint that lists its models (OpenRouter
    ones, and OpenAI-protocol gateways that staff synced successfully once)."""
    results = []
    for endpoint_id in ProviderEndpoint.objects.order_by("pk").values_list("pk", flat=True):
        endpoint = ProviderEndpoint.objects.get(pk=endpoint_id)
        if not can_list_models(endpoint):
            continue
        sync = services.sync_catalog(endpoint=endpoint, via=DAILY)
        results.append(
            f"{endpoint.name}: {len(sync.changes)} change(s)"
            if sync.ok
            else f"{endpoint.name}: failed"
        )
    return "; ".join(results) or "no endpoint lists its models"
