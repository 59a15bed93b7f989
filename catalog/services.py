"""Changing the catalog: by hand (management commands, scripts, the admin's actions) and by
following its providers (`sync_catalog`)."""

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog import pricing, upstream
from catalog.models import (
    DEFAULT_ENDPOINT,
    CatalogModel,
    CatalogSize,
    CatalogSync,
    ProviderEndpoint,
    SyncChange,
    model_id_validator,
)

logger = logging.getLogger(__name__)


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
    reason: str | None = None,
    **fields,
) -> tuple[CatalogModel, list[str]]:
    """Create or update a catalog model; given sizes replace its sizes. Fields left None
    keep their value. A model made the default takes over from the previous one. Enabling
    a model sold below its upstream cost, or retired upstream, takes a `reason`."""
    model = CatalogModel.objects.select_for_update().filter(model_id=model_id).first()
    created = model is None
    model = model or CatalogModel(model_id=model_id, name=model_id, upstream_model=model_id)
    if created and endpoint is None:
        endpoint = DEFAULT_ENDPOINT
    changes = []
    moved = False
    if endpoint is not None:
        try:
            target = ProviderEndpoint.objects.get(name=endpoint)
        except ProviderEndpoint.DoesNotExist:
            raise ValidationError({"endpoint": f"No endpoint named {endpoint!r}."}) from None
        if model.endpoint_id != target.pk:
            if not created:
                changes.append(f"endpoint {model.endpoint.name!r} → {target.name!r}")
            model.endpoint = target
            moved = True
    if sizes is not None and fields.get("default_size") is None:
        current = model.default_size if not created else ""
        if current not in {size.size for size in sizes}:
            fields["default_size"] = sizes[0].size
    remix = model.can_remix if fields.get("can_remix") is None else fields["can_remix"]
    if remix and (fields.get("can_remix") or moved):
        check_remix(model.endpoint)
    enabling = not created and fields.get("enabled") is True and not model.enabled
    changes += _set(model, fields)
    if fields.get("is_default"):
        CatalogModel.objects.filter(is_default=True).exclude(pk=model.pk).update(is_default=False)
    model.full_clean()
    model.save()
    if sizes is not None:
        changes += _replace_sizes(model, sizes)
    if enabling:
        # Checked on the sizes as saved: new prices given in the same run count.
        line = check_enabling(model, reason)
        changes = [line if change.startswith("enabled ") else change for change in changes]
    check_default_size(model.default_size, set(model.sizes.values_list("size", flat=True)))
    return model, ["created"] if created else changes


def check_default_size(default_size: str, sizes: set[str]) -> None:
    """Refuses a default size the model is not sold in: an order naming no size gets it."""
    if default_size not in sizes:
        raise ValidationError(
            {
                "default_size": f"The default size {default_size} must be one of the sizes it "
                f"is sold in ({', '.join(sorted(sizes)) or 'none yet'})."
            }
        )


@transaction.atomic
def set_enabled(*, model_id: str, enabled: bool, reason: str | None = None) -> str:
    """Enable or disable a model; returns the line for its history, "" when it already
    was. Enabling one that needs a reason (see needs_a_reason) without one raises
    ReasonRequired. Jobs in flight on a disabled model finish."""
    model = CatalogModel.objects.select_for_update().get(model_id=model_id)
    if model.enabled == enabled:
        return ""
    line = check_enabling(model, reason) if enabled else "enabled True → False"
    model.enabled = enabled
    model.save(update_fields=["enabled", "updated_at"])
    return line


def check_remix(endpoint: ProviderEndpoint) -> None:
    """Refuses `can_remix` for a model of an endpoint whose protocol has no remix
    (OpenRouter): the flag would be kept and silently do nothing."""
    # Imported here: the provider package builds on the catalog, not the other way round.
    from videos.provider import provider_class

    if not provider_class(endpoint.protocol).supports_remix:
        raise ValidationError(
            {
                "can_remix": f"The endpoint {endpoint.name} speaks the "
                f"{endpoint.get_protocol_display()}, which has no remix: its models can't remix."
            }
        )


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


# --- Following the providers -----------------------------------------------------------


def needs_a_reason(model: CatalogModel) -> list[str]:
    """Why enabling this model takes a stated reason: sizes sold below their upstream cost,
    or a model its provider no longer lists. Empty when it can simply be enabled."""
    why = []
    if model.retired_upstream_at:
        why.append(f"retired upstream on {model.retired_upstream_at:%Y-%m-%d}")
    for size in model.sizes.all():
        margin = pricing.margin_percent(
            credits_per_second=size.credits_per_second,
            upstream_usd_per_second=size.upstream_usd_per_second,
        )
        if size.upstream_usd_per_second and margin is not None and margin < 0:
            why.append(
                f"{size.size} sells at {pricing.sell_usd(size.credits_per_second)} USD/s, "
                f"below its upstream cost of {pricing.plain(size.upstream_usd_per_second)} USD/s"
            )
    return why


class ReasonRequired(ValidationError):
    """Enabling the model needs a reason (see needs_a_reason)."""


def check_enabling(model: CatalogModel, reason: str | None) -> str:
    """The history line for enabling this model; raises ReasonRequired when it needs a
    reason and none is given."""
    why = needs_a_reason(model)
    reason = (reason or "").strip()
    if why and not reason:
        raise ReasonRequired(
            {"enabled": f"{model.model_id} is {'; '.join(why)}: give a reason to enable it."}
        )
    line = "enabled False → True"
    if why:
        line += f" although {'; '.join(why)}; reason: {reason}"
    return line


def _log_history(user, model: CatalogModel, kind: str, text: str, *, via: str) -> None:
    """A sync's change in the model's admin history, when a person ran it."""
    if user is None:
        return
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[model],
        action_flag=ADDITION if kind == SyncChange.NEW else CHANGE,
        change_message=f"{text} ({via}).",
        single_object=True,
    )


def sync_catalog(*, endpoint: ProviderEndpoint, by=None, via: str = "manage.py") -> CatalogSync:
    """Bring the endpoint's catalog models in line with its provider's list: add the models
    it lacks (disabled, priced by the rule), update the upstream price of those it has
    (never the sell price), disable those gone upstream. Returns the run, with what changed
    or why the list could not be read (then nothing changed)."""
    try:
        listed = upstream.list_models(endpoint)
    except upstream.ModelListError as error:
        return CatalogSync.objects.create(endpoint=endpoint, by=by, via=via, error=str(error))
    with transaction.atomic():
        # One sync of an endpoint at a time (the schedule and a person may overlap): the
        # second waits, then finds the first one's models.
        ProviderEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        mine = list(
            CatalogModel.objects.select_for_update()
            .filter(endpoint=endpoint)
            .order_by("pk")
            .prefetch_related("sizes")
        )
        if not listed and mine:
            # An empty list is far likelier a misconfigured gateway than every model gone.
            return CatalogSync.objects.create(
                endpoint=endpoint,
                by=by,
                via=via,
                error="The provider listed no models: nothing retired.",
            )
        changes = _follow(endpoint, mine, listed, now=timezone.now())
        sync = CatalogSync.objects.create(
            endpoint=endpoint,
            by=by,
            via=via,
            listed=len(listed),
            changes=[
                {"model": model.model_id, "kind": kind, "text": text}
                for model, kind, text in changes
            ],
        )
        for model, kind, text in changes:
            _log_history(by, model, kind, text, via=f"catalog sync of {endpoint.name}, {via}")
    return sync


def _follow(endpoint, mine, listed, *, now) -> list[tuple[CatalogModel, str, str]]:
    by_upstream: dict[str, list[CatalogModel]] = {}
    for model in mine:
        by_upstream.setdefault(model.upstream_model, []).append(model)
    changes = []
    position = max((model.position for model in mine), default=0)
    for offer in listed:
        known = by_upstream.get(offer.id)
        if not known:
            position += 1
            changes += _add(endpoint, offer, position=position)
        for model in known or []:
            changes += _update(model, offer)
    listed_ids = {offer.id for offer in listed}
    for model in mine:
        if model.upstream_model not in listed_ids and model.retired_upstream_at is None:
            was = "enabled" if model.enabled else "already disabled"
            model.enabled = False
            model.retired_upstream_at = now
            model.save(update_fields=["enabled", "retired_upstream_at", "updated_at"])
            text = f"retired upstream: gone from the provider's list; disabled (was {was})"
            changes.append((model, SyncChange.RETIRED, text))
    return changes


def _add(endpoint, offer, *, position: int) -> list[tuple[CatalogModel, str, str]]:
    model_id = offer.id
    if CatalogModel.objects.filter(model_id=model_id).exists():
        model_id = f"{endpoint.name}:{offer.id}"
    try:
        model_id_validator(model_id)
        if len(model_id) > 100 or CatalogModel.objects.filter(model_id=model_id).exists():
            raise ValidationError("taken or too long")
    except ValidationError:
        logger.warning("catalog sync of %s: cannot name a model for %r", endpoint, offer.id)
        return []
    margin = pricing.margin_of(endpoint)
    priced = [size for size in offer.sizes if size.usd_per_second is not None]
    complete = bool(offer.durations and priced)
    model = CatalogModel.objects.create(
        model_id=model_id,
        name=offer.name or offer.id,
        endpoint=endpoint,
        upstream_model=offer.id,
        durations=list(offer.durations) if complete else [],
        default_size=priced[0].size if complete else "",
        enabled=False,
        can_remix=False,
        image_input=offer.image_input,
        upstream_pricing=offer.pricing,
        position=position,
    )
    if not complete:
        missing = "no lengths" if not offer.durations else "no size with a price"
        text = f"new, disabled: the provider lists {missing}; fill them in before enabling it"
        return [(model, SyncChange.NEW, text)]
    sizes = CatalogSize.objects.bulk_create(
        CatalogSize(
            model=model,
            size=size.size,
            format=size.format,
            upstream_usd_per_second=size.usd_per_second,
            credits_per_second=pricing.sell_price(
                upstream_usd_per_second=size.usd_per_second, margin_percent=margin
            ),
            position=index,
        )
        for index, size in enumerate(priced)
    )
    prices = ", ".join(  # each size came from `priced`: its upstream price is set
        f"{size.size} ({size.format}) "
        f"{pricing.plain(cast(Decimal, size.upstream_usd_per_second))} USD/s → "
        f"{size.credits_per_second} credits/s"
        for size in sizes
    )
    seconds = ", ".join(str(value) for value in offer.durations)
    text = f"new, disabled: {seconds} s; {prices} (margin {pricing.plain(margin)} %)"
    return [(model, SyncChange.NEW, text)]


def _update(model: CatalogModel, offer) -> list[tuple[CatalogModel, str, str]]:
    changes: list[tuple[CatalogModel, str, str]] = []
    if model.retired_upstream_at is not None:
        model.retired_upstream_at = None
        model.save(update_fields=["retired_upstream_at", "updated_at"])
        state = "enabled" if model.enabled else "still disabled: enable it if wanted"
        changes.append((model, SyncChange.BACK, f"back upstream ({state})"))
    if not offer.pricing:
        return changes  # an ids-only list says nothing about prices
    lines = []
    for size in model.sizes.all():
        listed = offer.size(size.size)
        usd = (
            listed.usd_per_second
            if listed
            else pricing.upstream_usd_per_second(offer.pricing, size.size)
        )
        if usd is None or usd == size.upstream_usd_per_second:
            continue
        before = size.upstream_usd_per_second
        size.upstream_usd_per_second = usd
        size.save(update_fields=["upstream_usd_per_second"])
        margin = pricing.margin_percent(
            credits_per_second=size.credits_per_second, upstream_usd_per_second=usd
        )
        below = " BELOW COST" if margin < 0 else ""
        lines.append(
            f"{size.size} {pricing.plain(before) if before is not None else 'unknown'} → "
            f"{pricing.plain(usd)} USD/s (sells at {size.credits_per_second} credits/s: "
            f"margin {margin} %{below})"
        )
    if model.upstream_pricing != offer.pricing:
        if not lines:
            lines.append(f"price list {model.upstream_pricing} → {offer.pricing}")
        model.upstream_pricing = offer.pricing
        model.save(update_fields=["upstream_pricing", "updated_at"])
    if lines:
        changes.append((model, SyncChange.REPRICED, "repriced upstream: " + "; ".join(lines)))
    return changes
