"""An order line priced from the catalog: what is sent where, and what it costs."""

from dataclasses import dataclass

from catalog.selectors import Offer, SizeOffer


@dataclass(frozen=True)
class VideoSpec:
    """A validated order line: everything needed to price and create one video."""

    prompt: str
    style: str
    model: str
    seconds: int
    size: str
    format: str
    credits_per_second: int
    endpoint_id: int
    upstream_model: str

    @classmethod
    def of(cls, offer: Offer, size: SizeOffer, *, prompt: str, style: str, seconds: int):
        return cls(
            prompt=prompt,
            style=style,
            model=offer.model_id,
            seconds=seconds,
            size=size.size,
            format=size.format,
            credits_per_second=size.credits_per_second,
            endpoint_id=offer.endpoint_id,
            upstream_model=offer.upstream_model,
        )

    @property
    def cost(self) -> int:
        """Fixed at order time: later catalog price changes never touch this job."""
        return self.seconds * self.credits_per_second
