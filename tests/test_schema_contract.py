"""The OpenAPI document declares what each operation can answer, so that a client generated
from it gets a typed answer for every error too."""

import pytest
from django.test import Client

from storycraft.schema import ERROR_DESCRIPTIONS

ERROR_REF = "#/components/schemas/Error"
VALIDATION_REF = "#/components/schemas/ValidationError"


@pytest.fixture(scope="module")
def document(django_db_blocker):
    with django_db_blocker.unblock():
        return Client().get("/schema?format=json").json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def response_ref(operation, status: str) -> str:
    return operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]


def test_every_operation_declares_an_error(document):
    for name, operation in operations(document):
        statuses = [int(status) for status in operation["responses"]]
        if name in ("GET /models", "GET /wallet/packs"):
            continue  # public and without parameters: it has no error to give
        assert any(status >= 400 for status in statuses), name


def test_every_error_but_400_is_the_error_component(document):
    for name, operation in operations(document):
        for status in operation["responses"]:
            if int(status) >= 400 and status != "400":
                assert response_ref(operation, status) == ERROR_REF, (name, status)


def test_the_error_component_is_detail_and_code(document):
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code"}


def test_a_400_is_the_field_error_shape(document):
    for name, operation in operations(document):
        if "400" in operation["responses"] and not name.startswith("POST /webhooks"):
            assert response_ref(operation, "400") == VALIDATION_REF, name
    assert document["components"]["schemas"]["ValidationError"]["additionalProperties"] == {}


@pytest.mark.parametrize(
    ("operation_name", "statuses"),
    [
        ("POST /auth/register", {400, 413, 415, 429}),
        ("POST /auth/login", {400, 401, 413, 415, 429}),
        ("POST /auth/refresh", {400, 401}),
        ("POST /auth/logout", {400, 401}),
        ("GET /auth/me", {401}),
        ("GET /wallet", {401}),
        ("GET /wallet/transactions", {400, 401, 404}),
        ("GET /videos", {400, 401, 404}),
        ("POST /videos", {400, 401, 402, 413, 415, 422, 503}),
        ("POST /videos/batch", {400, 401, 402, 413, 415, 422, 503}),
        ("GET /videos/{job_id}", {304, 401, 404}),
        ("POST /videos/{job_id}/pull", {401, 404}),
        ("GET /videos/{job_id}/file", {206, 302, 401, 403, 404, 409, 416}),
        ("POST /webhooks/openai", {400, 405, 413}),
        ("POST /webhooks/openai/{endpoint_name}", {400, 404, 405, 413}),
    ],
)
def test_each_operation_declares_its_statuses(document, operation_name, statuses):
    declared = dict(operations(document))[operation_name]["responses"]
    assert statuses <= {int(status) for status in declared}


def test_a_list_is_not_paged_on_post(document):
    # (Its 404 is an image_from_video that is not the caller's.)
    parameters = dict(operations(document))["POST /videos"].get("parameters", [])
    assert not {"cursor", "page_size"} & {parameter["name"] for parameter in parameters}


def test_the_file_is_binary_mp4_whole_and_in_part(document):
    responses = dict(operations(document))["GET /videos/{job_id}/file"]["responses"]
    for status in ("200", "206"):
        assert responses[status]["content"] == {
            "video/mp4": {"schema": {"type": "string", "format": "binary"}}
        }


def test_the_headers_are_declared(document):
    ops = dict(operations(document))
    for name in ("POST /videos", "POST /videos/batch"):
        assert "Idempotency-Key" in [p["name"] for p in ops[name]["parameters"]]
    for name in ("GET /videos/{job_id}", "GET /models"):
        assert "If-None-Match" in [p["name"] for p in ops[name]["parameters"]]
        assert "ETag" in ops[name]["responses"]["200"]["headers"]
        assert "ETag" in ops[name]["responses"]["304"]["headers"]
    for name in ("POST /auth/register", "POST /auth/login"):
        assert "Retry-After" in ops[name]["responses"]["429"]["headers"]


def test_page_size_is_declared_from_1_to_100(document):
    ops = dict(operations(document))
    for name in ("GET /videos", "GET /wallet/transactions"):
        (page_size,) = [p for p in ops[name]["parameters"] if p["name"] == "page_size"]
        assert page_size["schema"]["minimum"] == 1
        assert page_size["schema"]["maximum"] == 100


def test_enums_are_named_and_sizes_are_free_strings(document):
    schemas = document["components"]["schemas"]
    for name in ("VideoStatusEnum", "ChargeStatusEnum", "LedgerEntryKindEnum", "VideoStyleEnum"):
        assert schemas[name]["type"] == "string", name
        assert all(isinstance(value, str) for value in schemas[name]["enum"]), name
    assert schemas["VideoJob"]["properties"]["size"] == {"type": "string", "readOnly": True}
    assert schemas["VideoOrderRequest"]["properties"]["size"]["type"] == "string"


def test_a_jobs_error_is_typed(document):
    error = document["components"]["schemas"]["VideoJob"]["properties"]["error"]
    assert error["allOf"] == [{"$ref": "#/components/schemas/VideoError"}]
    assert error["nullable"] is True
    assert set(document["components"]["schemas"]["VideoError"]["required"]) == {"code", "message"}


def test_every_error_status_has_a_description_of_its_codes():
    assert {401, 402, 404, 409, 413, 415, 416, 422, 429, 503} <= set(ERROR_DESCRIPTIONS)


def test_an_enum_member_that_is_no_identifier_gets_a_name(document):
    style = document["components"]["schemas"]["VideoStyleEnum"]
    names = dict(zip(style["enum"], style["x-enum-varnames"], strict=True))
    assert names["80s"] == "EIGHTIES"
    assert names["modern"] == "MODERN"


def test_every_operation_has_a_summary(document):
    missing = [name for name, operation in operations(document) if not operation.get("summary")]
    assert missing == []


def test_every_response_has_one_content_type(document):
    """A generated client reads one media type per response: with several (an image as WebP
    or JPEG) openapi-python-client leaves the response out."""
    for name, operation in operations(document):
        for status, response in operation["responses"].items():
            assert len(response.get("content", {})) <= 1, (name, status)


def test_the_description_says_what_storycraft_is(document):
    description = document["info"]["description"]
    assert "Sora 2" not in description
    for words in ["any provider", "OpenRouter", "credits", "GET /events"]:
        assert words in description, words
