import argparse

from catalog import services
from catalog.management.commands._common import CatalogChangeCommand
from catalog.models import CatalogModel, ProviderEndpoint


def size_price(text: str) -> services.SizePrice:
    """SIZE[:FORMAT]=CREDITS_PER_SECOND, e.g. 1344x768=30 or 768x768:1:1=25."""
    try:
        size, price = text.split("=")
        size, _, format_ = size.partition(":")
        return services.SizePrice(size=size, format=format_, credits_per_second=int(price))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write SIZE[:FORMAT]=CREDITS_PER_SECOND, e.g. 1344x768=30"
        ) from None


def durations(text: str) -> list[int]:
    try:
        return sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: seconds separated by commas") from None


class Command(CatalogChangeCommand):
    help = (
        "Add or change a model in the catalog; it can be ordered at once, no restart. "
        "Given --size options replace its sizes. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("model_id", help='what users order by, e.g. "google/veo-3.1-fast"')
        parser.add_argument("--name", help="display name")
        parser.add_argument("--endpoint", help="provider endpoint name (default: default)")
        parser.add_argument("--upstream", help="model id sent to the endpoint")
        parser.add_argument("--durations", type=durations, help="seconds, e.g. 5,10")
        parser.add_argument(
            "--size",
            type=size_price,
            action="append",
            dest="sizes",
            help="SIZE[:FORMAT]=CREDITS_PER_SECOND, repeatable; e.g. --size 768x768:1:1=25",
        )
        parser.add_argument("--default-size")
        parser.add_argument("--max-prompt-length", type=int)
        parser.add_argument("--position", type=int)
        parser.add_argument("--enable", dest="enabled", action="store_true", default=None)
        parser.add_argument("--disable", dest="enabled", action="store_false")
        parser.add_argument(
            "--reason",
            help="why, when enabling a model sold below its upstream cost or retired upstream",
        )
        parser.add_argument("--can-remix", dest="can_remix", action="store_true", default=None)
        parser.add_argument("--no-remix", dest="can_remix", action="store_false")
        parser.add_argument(
            "--image-input",
            dest="image_input",
            action="store_true",
            default=None,
            help="can start a video from a picture",
        )
        parser.add_argument("--no-image-input", dest="image_input", action="store_false")
        parser.add_argument(
            "--make-default", action="store_true", help="ordered when an order names no model"
        )
        super().add_arguments(parser)

    def put(self, options):
        return services.put_model(
            model_id=options["model_id"],
            endpoint=options["endpoint"],
            sizes=options["sizes"],
            name=options["name"],
            upstream_model=options["upstream"],
            durations=options["durations"],
            default_size=options["default_size"],
            max_prompt_length=options["max_prompt_length"],
            position=options["position"],
            enabled=options["enabled"],
            can_remix=options["can_remix"],
            image_input=options["image_input"],
            is_default=True if options["make_default"] else None,
            reason=options["reason"],
        )

    def summary(self, model: CatalogModel, changes: list[str]) -> str:
        prices = ", ".join(f"{size.size} {size.credits_per_second}/s" for size in model.sizes.all())
        return (
            f"Model {model.model_id} ({'enabled' if model.enabled else 'disabled'}) on "
            f"{model.endpoint}: {', '.join(changes) or 'unchanged'}. Sizes: {prices}."
        )

    def endpoint_of(self, model: CatalogModel) -> ProviderEndpoint:
        return model.endpoint
