"""What the payments services refuse; their HTTP statuses are in payments/responses.py."""

from storycraft.exceptions import DomainError, NotFound


class PaymentsNotConfigured(DomainError):
    """No Stripe key or webhook secret: top-ups can't be sold (nothing was created)."""

    code = "payments_not_configured"
    default_message = "Buying credits is not available on this server."


class PaymentsUnavailable(DomainError):
    """Stripe could not be reached or refused the call: nothing was kept, retry later."""

    code = "payments_unavailable"
    default_message = "The payment service is unavailable; nothing was charged. Retry shortly."
    retry_after = 5


class TopUpNotFound(NotFound):
    default_message = "No such top-up."


class InvalidStripeWebhook(DomainError):
    """A delivery that can't be verified (bad or stale signature, no secret, not an event)."""

    code = "invalid_signature"

    def __init__(self, message: str, code: str = "invalid_signature"):
        super().__init__(message)
        self.code = code


class NotRefundable(DomainError):
    """Support asked to refund a top-up that was never paid, or is refunded already."""

    code = "not_refundable"
