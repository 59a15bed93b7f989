import re

import pytest
import yaml


def test_schema_is_openapi_3_json(client):
    response = client.get("/schema?format=json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/auth/login" in document["paths"]


def test_schema_is_openapi_3_yaml_by_default(client):
    response = client.get("/schema")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")


def test_schema_lists_each_path_once(client):
    paths = client.get("/schema?format=json").json()["paths"]
    assert "/auth/login/" not in paths
    assert {"/auth/register", "/auth/refresh", "/auth/logout", "/auth/me"} <= set(paths)


@pytest.mark.django_db
def test_docs_serve_swagger_ui_from_our_own_static_files(client):
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+\.(?:js|css))["']""", html)
    assert assets, html
    for url in assets:
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    assert "cdn" not in html.lower()


@pytest.mark.parametrize(
    "path, method, statuses",
    [
        ("/videos/{job_id}/cancel", "post", {"200", "404", "409"}),
        ("/videos/{job_id}/remix", "post", {"201", "400", "402", "404", "409", "422", "503"}),
        ("/videos/{job_id}/thumbnail", "get", {"200", "302", "401", "403", "404", "409"}),
        ("/wallet/usage", "get", {"200", "400", "401"}),
    ],
)
def test_schema_documents_cancel_remix_thumbnail_and_usage(client, path, method, statuses):
    operation = client.get("/schema?format=json").json()["paths"][path][method]
    assert statuses <= set(operation["responses"])


def test_schema_shows_the_new_job_fields(client):
    job = client.get("/schema?format=json").json()["components"]["schemas"]["VideoJob"]
    assert {"thumbnail_url", "remixed_from"} <= set(job["properties"])
    assert "cancelled" in str(client.get("/schema?format=json").json())
