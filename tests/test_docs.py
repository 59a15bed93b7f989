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
