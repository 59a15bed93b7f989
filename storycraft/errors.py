"""One error shape for the API: DRF's bodies plus a stable machine-readable `code`.

Services and selectors raise domain exceptions (storycraft.exceptions.DomainError, subclassed
in each app's `exceptions.py`): a message, a code, perhaps a `retry_after`, and no HTTP. The
status is chosen here, at the API edge, and nowhere else, from one table that each app's API
layer fills in from its AppConfig.ready() with `register_error_statuses({Exception: status})`
(videos/responses.py). So the app that answers with an exception says what it means in HTTP,
and the kernel, which imports no app, only looks it up. A table of classes rather than a few
kernel "kinds" (Conflict, Refused...): such kinds would only rename the statuses, and a 400
and a 422 are both "refused" in the domain's words.

The lookup follows the exception's classes, most specific first (a VideoNotFound is a
kernel NotFound: 404). A domain exception that no app registered is a programming error: it
is logged and becomes a 500; tests/test_error_statuses.py pins every class to its answer.
"""

import logging
import sys
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import (
    DisallowedHost,
    ImproperlyConfigured,
    PermissionDenied,
    RequestDataTooBig,
)
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from storycraft.connections import LOST_CONNECTION
from storycraft.exceptions import DomainError, NotFound

logger = logging.getLogger(__name__)

# A lost or refused database connection (a restart, a failover, an admin's
# pg_terminate_backend): what was being written rolled back, so a retry is safe.
DATABASE_UNAVAILABLE = LOST_CONNECTION
DATABASE_RETRY_AFTER = 5
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# The kernel's own exceptions; apps add theirs with register_error_statuses.
_STATUSES: dict[type[DomainError], int] = {NotFound: status.HTTP_404_NOT_FOUND}


def register_error_statuses(statuses: Mapping[type[DomainError], int]) -> None:
    """Declare the HTTP status the API answers each of these domain exceptions with."""
    for error, status_code in statuses.items():
        if not (isinstance(error, type) and issubclass(error, DomainError)):
            raise ImproperlyConfigured(f"{error!r} is not a DomainError.")
        if _STATUSES.setdefault(error, status_code) != status_code:
            raise ImproperlyConfigured(
                f"{error.__name__} is already answered with {_STATUSES[error]}, not {status_code}."
            )


def status_of(error: DomainError) -> int | None:
    """The status registered for the error's class or the nearest class it derives from."""
    for cls in type(error).__mro__:
        if cls in _STATUSES:
            return _STATUSES[cls]
    return None


def domain_error_body(error: DomainError) -> dict:
    return {"detail": error.message, "code": error.code}


def domain_error_response(error: DomainError, response_class=JsonResponse) -> HttpResponse | None:
    """The API's answer to a domain exception (a plain JsonResponse for views outside DRF);
    None when no app registered a status for it, which the caller re-raises: a 500."""
    status_code = status_of(error)
    if status_code is None:
        logger.error("no API status is registered for %s", type(error).__name__)
        return None
    response = response_class(domain_error_body(error), status=status_code)
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body is too large."
    default_code = "request_too_large"


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    # Django's own exceptions (a get_object_or_404) get DRF's codes, not "error".
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DomainError):
        return domain_error_response(exc, response_class=Response)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return response  # field errors keep DRF's {"field": ["message"]} shape
    data = response.data
    if isinstance(data, dict) and "detail" in data and "code" not in data:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        data["code"] = codes if isinstance(codes, str) else "error"
    elif not isinstance(data, dict):
        response.data = {"detail": data, "code": "error"}
    return response


def _wants_html(request) -> bool:
    return request.path.startswith("/admin")


def not_found(request, exception=None):
    """Django's 404 for paths no view claims: JSON with a code, HTML for the admin."""
    if _wants_html(request):
        return defaults.page_not_found(request, exception)
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def server_error(request):
    # Django calls this while handling the exception, which may have come from a
    # middleware, outside every view.
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable(request)
    if _wants_html(request):
        return defaults.server_error(request)
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)


# Django's own error answers outside DRF (no route, a bare 405, a body too large for a
# plain view, a CSRF refusal), by status: what the JSON says instead.
DJANGO_ERRORS = {
    400: ("Bad request.", "bad_request"),
    403: ("You do not have permission to perform this action.", "permission_denied"),
    404: ("Not found.", "not_found"),
    405: ("Method not allowed.", "method_not_allowed"),
    413: ("Request body is too large.", "request_too_large"),
}


class JsonErrorsMiddleware:
    """Every answer outside the admin is JSON, whatever DEBUG says: Django's debug 404 (which
    lists every URL pattern), its HTML 400/403/405 and a plain view's oversized body become
    `{"detail", "code"}`. Under DEBUG a 500 keeps its traceback page, for the developer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code not in DJANGO_ERRORS
            or _wants_html(request)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        detail, code = DJANGO_ERRORS[response.status_code]
        json_response = JsonResponse({"detail": detail, "code": code}, status=response.status_code)
        if response.has_header("Allow"):
            json_response["Allow"] = response["Allow"]
        return json_response

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig) and not _wants_html(request):
            detail, code = DJANGO_ERRORS[413]
            return JsonResponse({"detail": detail, "code": code}, status=413)
        return None


class DisallowedHostMiddleware:
    """Outermost: a Host outside ALLOWED_HOSTS gets the JSON 400 on API paths, DEBUG or not.

    Django raises DisallowedHost from request.get_host() in the middleware above
    JsonErrorsMiddleware, and under DEBUG answers with its technical page (settings, paths).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _wants_html(request):
            try:
                request.get_host()
            except DisallowedHost as error:
                logging.getLogger("django.security.DisallowedHost").warning("%s", error)
                detail, code = DJANGO_ERRORS[400]
                return JsonResponse({"detail": detail, "code": code}, status=400)
        return self.get_response(request)


def database_unavailable(request) -> HttpResponse:
    """503 with Retry-After, JSON on API paths: the request wrote nothing, retry it."""
    if _wants_html(request):
        response = HttpResponse(
            "<h1>Service unavailable</h1><p>Please try again in a few seconds.</p>", status=503
        )
    else:
        response = JsonResponse(
            {
                "detail": "The service is briefly unavailable; nothing was changed. Retry shortly.",
                "code": "service_unavailable",
            },
            status=503,
        )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def retry_on_lost_connection(view):
    """Marks a view that is safe to run again whatever it did (a webhook recorded once by
    its delivery id, a pull), so a lost database connection under it is ridden out."""
    view.retry_on_lost_connection = True
    return view


class DatabaseUnavailableMiddleware:
    """The one answer to a lost database connection under a request (a restart, a failover,
    pg_terminate_backend): what was being written rolled back. A request that is safe to
    repeat runs once more on a new connection: a read, a view marked with
    retry_on_lost_connection, and a request carrying an Idempotency-Key (the key finds what
    the first run created and answers the same). Anything else, or a second loss, is a 503
    with Retry-After: the client retries, safely when it sends a key."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._storycraft_view = (view_func, view_args, view_kwargs)
        if request.method not in SAFE_METHODS and self._may_repeat(request, view_func):
            # Keep the body, so that a second run can read it again.
            length = request.META.get("CONTENT_LENGTH") or "0"
            if length.isdigit() and int(length) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                request.body  # noqa: B018

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        view = getattr(request, "_storycraft_view", None)
        if view and self._may_repeat(request, view[0]) and not connection.in_atomic_block:
            request._storycraft_view = None  # once
            logger.warning(
                "database connection lost during %s %s; running it again",
                request.method,
                request.path,
            )
            connection.close()
            view_func, view_args, view_kwargs = view
            try:
                return view_func(request, *view_args, **view_kwargs)
            except DATABASE_UNAVAILABLE as again:
                exception = again
        logger.warning(
            "database unavailable during %s %s: %r", request.method, request.path, exception
        )
        return database_unavailable(request)

    @staticmethod
    def _may_repeat(request, view_func) -> bool:
        if request.method in SAFE_METHODS or request.headers.get("Idempotency-Key", "").strip():
            return True
        view_class = getattr(view_func, "view_class", None)
        return getattr(view_func, "retry_on_lost_connection", False) or getattr(
            view_class, "retry_on_lost_connection", False
        )
