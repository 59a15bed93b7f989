"""One error shape for the API: DRF's bodies plus a stable machine-readable `code`."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    """An error with a status, a message and a code that services may raise."""

    def __init__(self, detail: str, *, code: str, status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(detail=detail, code=code)
        self.status_code = status_code


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = ApiError(
            "Request body is too large.",
            code="request_too_large",
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    # Django's own exceptions (a selector's Http404) get DRF's codes, not "error".
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DomainError):
        return error_response(exc.detail, code=exc.code, status_code=exc.status_code)
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


def error_response(detail: str, *, code: str, status_code: int) -> Response:
    return Response({"detail": detail, "code": code}, status=status_code)


class DomainError(Exception):
    """A refusal by a service that the API shows as `{"detail", "code"}` with its status."""

    code = "error"
    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def _wants_html(request) -> bool:
    return request.path.startswith("/admin")


def not_found(request, exception=None):
    """Django's 404 for paths no view claims: JSON with a code, HTML for the admin."""
    if _wants_html(request):
        return defaults.page_not_found(request, exception)
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def server_error(request):
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
