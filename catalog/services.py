"""Changing the catalog outside the admin (management commands, scripts)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import DEFAULT_ENDPOINT, CatalogModel, CatalogSize, ProviderEndpoint


@dataclass(frozen=True)
class SizePrice:
    size: str
    credits_per_second: int
    format: str = ""  # blank: the nearest common aspect


def _set(instance, values: dict) -> list[str]:
    changes = []
    for name, value in values.items():
        if value is not None and getattr(instance, name) != value:
            changes.append(f"{name} {getattr(instance, name)!r} → {value!r}")
            setattr(instance, name, value)
    return changes


@transaction.atomic
def put_endpoint(*, name: str, **fields) -> tuple[ProviderEndpoint, list[str]]:
    """Create or update an endpoint; fields left None keep their value. Returns what changed."""
    endpoint = ProviderEndpoint.objects.select_for_update().filter(name=name).first()
    created = endpoint is None
    endpoint = endpoint or ProviderEndpoint(name=name)
    changes = _set(endpoint, fields)
    endpoint.full_clean()
    endpoint.save()
    return endpoint, ["created"] if created else changes


@transaction.atomic
def put_model(
    *,
    model_id: str,
    endpoint: str | None = None,
    sizes: list[SizePrice] | None = None,
    **fields,
) -> tuple[CatalogModel, list[str]]:
    """Create or update a catalog model; given sizes replace its sizes. Fields left None
    keep their value. A model made the default takes over from the previous one."""
    model = CatalogModel.objects.select_for_update().filter(model_id=model_id).first()
    created = model is None
    model = model or CatalogModel(model_id=model_id, name=model_id, upstream_model=model_id)
    if created and endpoint is None:
        endpoint = DEFAULT_ENDPOINT
    changes = []
    if endpoint is not None:
        try:
            target = ProviderEndpoint.objects.get(name=endpoint)
        except ProviderEndpoint.DoesNotExist:
            raise ValidationError({"endpoint": f"No endpoint named {endpoint!r}."}) from None
        if model.endpoint_id != target.pk:
            if not created:
                changes.append(f"endpoint {model.endpoint.name!r} → {target.name!r}")
            model.endpoint = target
    if sizes is not None and fields.get("default_size") is None:
        current = model.default_size if not created else ""
        if current not in {size.size for size in sizes}:
            fields["default_size"] = sizes[0].size
    changes += _set(model, fields)
    if fields.get("is_default"):
        CatalogModel.objects.filter(is_default=True).exclude(pk=model.pk).update(is_default=False)
    model.full_clean()
    model.save()
    if sizes is not None:
        changes += _replace_sizes(model, sizes)
    if model.default_size not in set(model.sizes.values_list("size", flat=True)):
        raise ValidationError({"default_size": f"{model.default_size} is not one of its sizes."})
    return model, ["created"] if created else changes


def _replace_sizes(model: CatalogModel, sizes: list[SizePrice]) -> list[str]:
    existing = {size.size: size for size in model.sizes.all()}
    changes = []
    for position, wanted in enumerate(sizes):
        size = existing.pop(wanted.size, None) or CatalogSize(model=model, size=wanted.size)
        was_new = size.pk is None
        moved = _set(
            size,
            {
                "credits_per_second": wanted.credits_per_second,
                "format": wanted.format or None,
                "position": position,
            },
        )
        size.full_clean(exclude=["model"])
        size.save()
        if was_new:
            changes.append(f"added {size.size} at {size.credits_per_second}/s")
        else:
            changes += [f"{size.size}: {change}" for change in moved if "position" not in change]
    for gone in existing.values():
        gone.delete()
        changes.append(f"removed {gone.size}")
    return changes
