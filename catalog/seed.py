"""The offer StoryCraft sold before it had a catalog, at the prices configured then
(CREDITS_PER_SECOND*), so an existing deployment's offer and prices do not change.

Used by the seed migration (with its historical models) and after every migrate or
flush that leaves the database without the default endpoint (a fresh test database)."""

from django.conf import settings

DEFAULT_ENDPOINT = "default"


def seed_catalog(Endpoint, Model, Size) -> bool:
    """Create the default endpoint, and the Sora offer with it; False when it existed."""
    endpoint, created = Endpoint.objects.get_or_create(name=DEFAULT_ENDPOINT)
    if not created or Model.objects.exists():
        return False
    standard = settings.CREDITS_PER_SECOND
    pro = settings.CREDITS_PER_SECOND_PRO
    pro_hd = settings.CREDITS_PER_SECOND_PRO_HD
    offer = [
        ("sora-2", "Sora 2", [("1280x720", "16:9", standard), ("720x1280", "9:16", standard)]),
        (
            "sora-2-pro",
            "Sora 2 Pro",
            [
                ("1280x720", "16:9", pro),
                ("720x1280", "9:16", pro),
                ("1792x1024", "16:9", pro_hd),
                ("1024x1792", "9:16", pro_hd),
            ],
        ),
    ]
    # Sora 2 takes a first frame (input_reference); the seed migration's historical model
    # predates that field, and migration 0004 sets it on the models seeded there.
    fields = {field.name for field in Model._meta.get_fields()}
    extra = {"image_input": True} if "image_input" in fields else {}
    for position, (model_id, name, sizes) in enumerate(offer):
        model = Model.objects.create(
            model_id=model_id,
            name=name,
            endpoint=endpoint,
            upstream_model=model_id,
            durations=[4, 8, 12],
            default_size="1280x720",
            enabled=True,
            is_default=position == 0,
            can_remix=True,
            **extra,
            position=position,
        )
        Size.objects.bulk_create(
            Size(model=model, size=size, format=format_, credits_per_second=price, position=index)
            for index, (size, format_, price) in enumerate(sizes)
        )
    return True


def ensure_default_endpoint(**kwargs) -> None:
    """post_migrate receiver: a database without the default endpoint is a new one (or a
    flushed test database): give it the seed catalog."""
    # Imported here: the data migration imports this module and must not load the
    # current models (it passes its historical ones to seed_catalog).
    from catalog.models import CatalogModel, CatalogSize, ProviderEndpoint

    seed_catalog(ProviderEndpoint, CatalogModel, CatalogSize)
