"""Reading the catalog: what can be ordered now, as plain values read once per request."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Value

from catalog.models import CatalogModel, CatalogSize, CatalogSync, ProviderEndpoint


@dataclass(frozen=True)
class SizeOffer:
    size: str
    format: str
    credits_per_second: int


@dataclass(frozen=True)
class Offer:
    """One orderable model as it stands in the catalog right now."""

    model_id: str
    name: str
    endpoint_id: int
    upstream_model: str
    durations: tuple[int, ...]
    sizes: tuple[SizeOffer, ...]
    default_size: str
    is_default: bool
    can_remix: bool
    max_prompt_length: int
    image_input: bool = False  # can start from a picture

    def size(self, size: str) -> SizeOffer | None:
        return next((offer for offer in self.sizes if offer.size == size), None)

    def size_for_format(self, format_: str) -> SizeOffer | None:
        """The first size of that aspect: a format is a shorthand for it."""
        return next((offer for offer in self.sizes if offer.format == format_), None)

    @property
    def default_size_offer(self) -> SizeOffer | None:
        return self.size(self.default_size) or (self.sizes[0] if self.sizes else None)


def _offer(model: CatalogModel) -> Offer:
    return Offer(
        model_id=model.model_id,
        name=model.name,
        endpoint_id=model.endpoint_id,
        upstream_model=model.upstream_model,
        durations=tuple(sorted(model.durations)),
        sizes=tuple(
            SizeOffer(
                size=size.size, format=size.format, credits_per_second=size.credits_per_second
            )
            for size in model.sizes.all()
        ),
        default_size=model.default_size,
        is_default=model.is_default,
        can_remix=can_remix(model),
        max_prompt_length=model.max_prompt_length,
        image_input=model.image_input,
    )


def can_remix(model: CatalogModel) -> bool:
    """Whether the model's videos can be remixed: it says so and its endpoint's protocol
    has a remix (OpenRouter's has none, whatever the model row says)."""
    # Imported here: the provider package builds on the catalog, not the other way round.
    from videos.provider import provider_class

    return model.can_remix and provider_class(model.endpoint.protocol).supports_remix


def _orderable():
    # A model without sizes or lengths cannot be priced: it is not on offer.
    return (
        CatalogModel.objects.filter(enabled=True, sizes__isnull=False)
        .exclude(durations=[])
        .distinct()
        .select_related("endpoint")
        .prefetch_related("sizes")
    )


def _reachable(model: CatalogModel) -> bool:
    # An endpoint whose key variable is unset would refuse every order: its models are not
    # on offer (the environment is read at each look, so setting the variable brings them).
    return not model.endpoint.missing_key_variable()


def orderable_offers() -> list[Offer]:
    """Every model that can be ordered now, in catalog order."""
    return [_offer(model) for model in _orderable() if _reachable(model)]


def orderable_offer(model_id: str | None) -> Offer | None:
    """The offer of that model, or of the default model when None; None if not on offer."""
    models = _orderable()
    models = (
        models.filter(is_default=True) if model_id is None else models.filter(model_id=model_id)
    )
    model = models.first()
    return _offer(model) if model and _reachable(model) else None


def sizes_sold_below_cost():
    """Sizes whose sell price is under what a second costs upstream (as last synced)."""
    return CatalogSize.objects.filter(
        upstream_usd_per_second__gt=ExpressionWrapper(
            F("credits_per_second") * Value(settings.CREDIT_VALUE_USD),
            output_field=DecimalField(max_digits=20, decimal_places=8),
        )
    )


def models_sold_below_cost():
    """Catalog models with at least one size sold below its upstream cost."""
    return CatalogModel.objects.filter(pk__in=sizes_sold_below_cost().values("model_id"))


def latest_syncs() -> list[CatalogSync]:
    """Each endpoint's most recent catalog sync, newest first (one query)."""
    last = (
        CatalogSync.objects.filter(endpoint=OuterRef("pk"))
        .order_by("-started_at", "-id")
        .values("pk")[:1]
    )
    latest = ProviderEndpoint.objects.annotate(last=Subquery(last)).values("last")
    return list(
        CatalogSync.objects.filter(pk__in=latest)
        .order_by("-started_at", "-id")
        .select_related("endpoint", "by")
    )
