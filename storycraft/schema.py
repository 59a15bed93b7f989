"""The OpenAPI document's shared pieces: the error components, the answers every operation
of a kind can give, and drf-spectacular hooks.

`AutoSchema` (DEFAULT_SCHEMA_CLASS) adds to every operation the errors that follow from
how its view is built: 401 when it needs a token, 400/413/415 when it takes a JSON body,
429 when it is throttled (with Retry-After), 404 when its path names an object, 400/404
when it pages. A view declares only its own, domain errors on top:

    @extend_schema(request=X, responses={201: Y, **errors(402, 422, 503)})
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

# What each status means here, and which `code`s it carries.
ERROR_DESCRIPTIONS = {
    401: (
        "No token, or not a valid one: `not_authenticated`, `token_not_valid`; "
        "a wrong email or password at login: `invalid_credentials`."
    ),
    402: (
        "The wallet cannot pay for it: `insufficient_credits`, or `credits_owed` (a refund "
        "or dispute left credits owed; buying credits settles them)."
    ),
    403: "Not allowed: `permission_denied` (a signed link that is invalid or expired).",
    404: "No such object, or not yours: `not_found`.",
    409: (
        "Not possible in the object's current state: `not_ready` (not completed yet), "
        "`not_cancellable` (downloading or finished), `idempotency_key_in_use`."
    ),
    413: (
        "The body is over 1 MiB: `request_too_large`; an order's image is over "
        "IMAGE_MAX_BYTES: `image_too_large`."
    ),
    415: "The body is not `application/json`: `unsupported_media_type`.",
    416: "The Range is outside the file: `range_not_satisfiable`.",
    422: "Refused as a whole: `provider_rejected`, `idempotency_key_reused`.",
    429: (
        "Too many attempts from this address or user: `throttled`; retry after `Retry-After` "
        "seconds. An order while `MAX_JOBS_IN_FLIGHT` jobs are unfinished: `too_many_jobs`, "
        "nothing was charged."
    ),
    503: "The provider cannot take orders now: `provider_unavailable`; nothing was charged.",
}
VALIDATION_ERROR_DESCRIPTION = (
    "Field errors in DRF's shape, each field's messages as a list of strings "
    '(`{"email": ["Enter a valid email address."]}`); or, when the body is not JSON or a '
    "query parameter is wrong, `{detail, code}` (`parse_error`)."
)
VALIDATION_ERROR_REF = {"$ref": "#/components/schemas/ValidationError"}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": VALIDATION_ERROR_DESCRIPTION,
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": {},
}


class ErrorSerializer(serializers.Serializer):
    """Every error but field errors: a message for people and a stable code for programs."""

    detail = serializers.CharField()
    code = serializers.CharField()


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """The error answers with these statuses, for `extend_schema(responses=...)`."""
    return {
        status: (
            OpenApiResponse(VALIDATION_ERROR_REF, description=VALIDATION_ERROR_DESCRIPTION)
            if status == 400
            else OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status])
        )
        for status in statuses
    }


RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    description="Seconds to wait before trying again.",
    response=[429],
)


def etag_parameters(*statuses: int) -> list[OpenApiParameter]:
    """`If-None-Match` in, `ETag` out: for a GET that answers 304 while nothing changed."""
    return [
        OpenApiParameter(
            "If-None-Match",
            str,
            OpenApiParameter.HEADER,
            description="The ETag of the copy you hold: 304, no body, while it is current.",
        ),
        OpenApiParameter(
            "ETag",
            str,
            OpenApiParameter.HEADER,
            description="This answer's version, for If-None-Match.",
            response=list(statuses),
        ),
    ]


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, response in errors(*self._implied_error_statuses()).items():
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    response, str(status), direction=direction
                )
        return dict(sorted(responses.items()))

    def _get_request_body(self, direction="request"):
        # drf-spectacular documents bodies of PUT, PATCH and POST only; a DELETE that
        # declares one (DELETE /auth/me takes the password) is documented like a POST.
        if self.method == "DELETE" and self.get_request_serializer() is not None:
            self.method = "POST"
            try:
                return super()._get_request_body(direction)
            finally:
                self.method = "DELETE"
        return super()._get_request_body(direction)

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.view.get_throttles():
            parameters = [*parameters, RETRY_AFTER]
        return parameters

    def _implied_error_statuses(self) -> list[int]:
        statuses = []
        if (
            self.method in ("POST", "PUT", "PATCH", "DELETE")
            and self.get_request_serializer() is not None
        ):
            statuses += [400, 413, 415]
        if self.method == "GET" and self._get_paginator():
            statuses += [400, 404]  # a junk page_size; a cursor that points nowhere
        if "{" in self.path:
            statuses.append(404)
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            statuses.append(401)
        if self.view.get_throttles():
            statuses.append(429)
        return sorted(set(statuses))


def drop_trailing_slash_twins(endpoints: list, **kwargs) -> list:
    """Document each path once: `route()` serves `/x` and `/x/`, the schema shows `/x`."""
    slashless = {path for path, *_ in endpoints if not path.endswith("/")}
    return [
        endpoint
        for endpoint in endpoints
        if not (endpoint[0].endswith("/") and endpoint[0].rstrip("/") in slashless)
    ]


def _webhook_operation(*, with_endpoint: bool) -> dict:
    parameters = []
    if with_endpoint:
        parameters.append(
            {
                "in": "path",
                "name": "endpoint_name",
                "required": True,
                "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
                "description": "The provider endpoint's name in the catalog.",
            }
        )
    for header in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        parameters.append(
            {"in": "header", "name": header, "required": True, "schema": {"type": "string"}}
        )
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "post": {
            "operationId": "webhooks_openai_endpoint_create"
            if with_endpoint
            else "webhooks_openai_create",
            "summary": "A provider's Standard Webhooks event (video.completed, video.failed)",
            "description": (
                "Verified with the endpoint's webhook secret; a webhook-id seen before is "
                "acknowledged again (`duplicate`) and not acted on twice."
            ),
            "tags": ["webhooks"],
            "security": [],
            "parameters": parameters,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"type": "object", "additionalProperties": {}}}
                },
            },
            "responses": {
                "200": {
                    "description": "Received (`ok`) or already received (`duplicate`).",
                    "content": error,
                },
                "400": {
                    "description": (
                        "Not verified: `invalid_signature`, `invalid_event`, "
                        "`webhook_not_configured`."
                    ),
                    "content": error,
                },
                "404": {"description": ERROR_DESCRIPTIONS[404], "content": error},
                "405": {"description": "Only POST: `method_not_allowed`.", "content": error},
                "413": {"description": ERROR_DESCRIPTIONS[413], "content": error},
            },
        }
    }


# Enum values that are no identifier get a name in `x-enum-varnames` (which client
# generators read), not VALUE_1.
ENUM_MEMBER_NAMES = {"80s": "EIGHTIES"}


def _member_name(value: str) -> str:
    if value in ENUM_MEMBER_NAMES:
        return ENUM_MEMBER_NAMES[value]
    name = "".join(character if character.isalnum() else "_" for character in value).upper()
    return name if name[:1].isalpha() else f"V_{name}"


def _name_enum_members(node) -> None:
    if isinstance(node, dict):
        values = node.get("enum")
        if (
            isinstance(values, list)
            and all(isinstance(value, str) for value in values)
            and not all(value[:1].isalpha() for value in values)
        ):
            node["x-enum-varnames"] = [_member_name(value) for value in values]
        for child in node.values():
            _name_enum_members(child)
    elif isinstance(node, list):
        for child in node:
            _name_enum_members(child)


def add_shared_components(result: dict, generator, request, public) -> dict:
    """The field-error component, the webhook URLs (plain Django views, which
    drf-spectacular does not see), and names for enum members."""
    _name_enum_members(result)
    result.setdefault("components", {}).setdefault("schemas", {})
    result["components"]["schemas"]["ValidationError"] = VALIDATION_ERROR_SCHEMA
    result["paths"]["/webhooks/openai"] = _webhook_operation(with_endpoint=False)
    result["paths"]["/webhooks/openai/{endpoint_name}"] = _webhook_operation(with_endpoint=True)
    result["paths"]["/webhooks/stripe"] = _stripe_webhook_operation()
    return result


def _stripe_webhook_operation() -> dict:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "post": {
            "operationId": "webhooks_stripe_create",
            "summary": "A Stripe event (payment_intent.*, charge.refunded, charge.dispute.created)",
            "description": (
                "Verified with STRIPE_WEBHOOK_SECRET (`Stripe-Signature`, at most 300 s old); "
                "each event id is processed once (a repeat is acknowledged as `duplicate`)."
            ),
            "tags": ["webhooks"],
            "security": [],
            "parameters": [
                {
                    "in": "header",
                    "name": "Stripe-Signature",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"type": "object", "additionalProperties": {}}}
                },
            },
            "responses": {
                "200": {
                    "description": "Processed (`ok`) or processed before (`duplicate`).",
                    "content": error,
                },
                "400": {
                    "description": (
                        "Not verified: `invalid_signature`, `invalid_event`, "
                        "`webhook_not_configured`."
                    ),
                    "content": error,
                },
                "405": {"description": "Only POST: `method_not_allowed`.", "content": error},
                "413": {"description": ERROR_DESCRIPTIONS[413], "content": error},
            },
        }
    }
