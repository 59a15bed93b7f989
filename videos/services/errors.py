from rest_framework import status

from storycraft.errors import DomainError


class InsufficientCreditsError(DomainError):
    code = "insufficient_credits"
    status_code = status.HTTP_402_PAYMENT_REQUIRED


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


class ProviderRejectedError(DomainError):
    code = "provider_rejected"
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


class ProviderUnavailableError(DomainError):
    code = "provider_unavailable"
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


class NotReady(DomainError):
    code = "not_ready"
    status_code = status.HTTP_409_CONFLICT


class NotCancellable(DomainError):
    code = "not_cancellable"
    status_code = status.HTTP_409_CONFLICT


class IdempotencyKeyInUse(DomainError):
    code = "idempotency_key_in_use"
    status_code = status.HTTP_409_CONFLICT
    retry_after = 2
