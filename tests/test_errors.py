import pytest

from storycraft.errors import server_error


def test_an_unknown_path_is_a_json_404_with_a_code(client):
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.django_db
def test_the_admin_keeps_its_html_404(client, admin_client):
    response = admin_client.get("/admin/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_server_error_is_json_with_a_code(rf):
    response = server_error(rf.get("/videos"))
    assert response.status_code == 500
    assert b'"code": "server_error"' in response.content


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


def test_an_unknown_path_is_json_even_with_debug_on(client, debug_on):
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_bad_uuid_is_a_json_404_even_with_debug_on(client, debug_on):
    response = client.get("/videos/not-a-uuid")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/webhooks/openai", "/webhooks/openai/default"])
def test_the_webhook_answers_get_with_a_json_405(client, debug_on, path):
    response = client.get(path)
    assert response.status_code == 405
    assert response.json() == {"detail": "Method not allowed.", "code": "method_not_allowed"}
    assert response["Allow"] == "POST"


@pytest.mark.django_db
def test_the_webhook_answers_an_oversized_body_with_a_json_413(client, settings):
    body = b"{" + b" " * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b"}"
    response = client.post("/webhooks/openai", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.django_db
def test_the_admin_keeps_its_html_404_with_debug_on(admin_client, debug_on):
    response = admin_client.get("/admin/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_root_is_a_json_index_with_links(client):
    response = client.get("/")
    assert response.status_code == 200
    links = response.json()["links"]
    assert links["docs"] == "http://testserver/docs"
    assert links["schema"] == "http://testserver/schema"
    assert links["models"] == "http://testserver/models"
    assert links["admin"] == "http://testserver/admin/"


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("path", ["/videos", "/auth/login", "/healthz", "/no/such/thing"])
def test_a_bad_host_is_a_json_400_on_api_paths(client, settings, debug, path):
    settings.DEBUG = debug
    response = client.post(path, {}, content_type="application/json", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request.", "code": "bad_request"}
    assert b"DisallowedHost" not in response.content


def test_the_admin_keeps_its_html_for_a_bad_host(client):
    response = client.get("/admin/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
