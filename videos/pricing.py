"""Models, sizes and prices: what may be ordered and what it costs."""

from dataclasses import dataclass

from django.conf import settings

MODELS = ("sora-2", "sora-2-pro")
DEFAULT_MODEL = "sora-2"
SECONDS = (4, 8, 12)
FORMAT_SIZES = {"16:9": "1280x720", "9:16": "720x1280"}
STANDARD_SIZES = ("720x1280", "1280x720")
HD_SIZES = ("1024x1792", "1792x1024")
SIZES_BY_MODEL = {"sora-2": STANDARD_SIZES, "sora-2-pro": STANDARD_SIZES + HD_SIZES}
MAX_PROMPT_LENGTH = 32_000


@dataclass(frozen=True)
class VideoSpec:
    """A validated order line: everything needed to price and create one video."""

    prompt: str
    style: str
    model: str
    seconds: int
    size: str

    @property
    def format(self) -> str:
        return format_of(self.size)

    @property
    def cost(self) -> int:
        return self.seconds * price_per_second(self.model, self.size)


def format_of(size: str) -> str:
    """The aspect a size has: landscape sizes are 16:9, portrait ones 9:16."""
    width, height = (int(side) for side in size.split("x"))
    return "16:9" if width > height else "9:16"


def price_per_second(model: str, size: str) -> int:
    if model == "sora-2-pro":
        return (
            settings.CREDITS_PER_SECOND_PRO_HD
            if size in HD_SIZES
            else settings.CREDITS_PER_SECOND_PRO
        )
    return settings.CREDITS_PER_SECOND
