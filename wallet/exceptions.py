"""What the wallet services refuse. No wallet endpoint answers with these: the videos
services turn a shortfall into their own order-level error, and the admin and the
grant_credits command show them as messages. CreditsOwed is the exception: an order
refused for it answers it as it is (402 `credits_owed`, registered by WalletConfig)."""

from storycraft.exceptions import DomainError


class InsufficientCredits(DomainError):
    """A hold or deduction larger than the wallet's available credits; nothing moved."""

    code = "insufficient_credits"

    def __init__(self, *, needed: int, available: int):
        super().__init__(f"{needed} credits needed, {available} available.")
        self.needed = needed
        self.available = available


class LedgerKeyReused(DomainError):
    """A movement's key already recorded a different movement on this wallet (the key
    replays its own entry, never records a second one)."""

    code = "ledger_key_reused"

    def __init__(self, entry):
        super().__init__(f"Key {entry.key!r} already recorded entry #{entry.pk} ({entry.kind}).")
        self.entry = entry


class HoldBelongsToVideo(DomainError):
    """A video's hold ends with its job: only the video lifecycle, naming the video,
    settles or releases it (released from the wallet, the job would still be delivered)."""

    code = "hold_belongs_to_video"

    def __init__(self, *, hold_id: int, video_id):
        super().__init__(f"Entry #{hold_id} holds credits for video {video_id}.")
        self.hold_id = hold_id
        self.video_id = video_id


class CreditsOwed(DomainError):
    """The wallet owes credits that a refund or dispute could not take back: no new hold
    until a grant or a purchase settles them."""

    code = "credits_owed"

    def __init__(self, *, owed: int):
        super().__init__(
            f"Your wallet owes {owed} credits after a refunded or disputed payment; "
            "buy credits to settle them before ordering."
        )
        self.owed = owed
