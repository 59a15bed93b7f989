"""The HTTP status of each payments domain exception (registered by PaymentsConfig.ready)."""

from rest_framework import status

from payments.exceptions import (
    InvalidStripeWebhook,
    NotRefundable,
    PaymentsNotConfigured,
    PaymentsUnavailable,
    TopUpNotFound,
)

ERROR_STATUSES = {
    PaymentsNotConfigured: status.HTTP_503_SERVICE_UNAVAILABLE,
    PaymentsUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    TopUpNotFound: status.HTTP_404_NOT_FOUND,
    InvalidStripeWebhook: status.HTTP_400_BAD_REQUEST,
    NotRefundable: status.HTTP_409_CONFLICT,
}
