import pytest


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
    from storycraft.errors import server_error

    response = server_error(rf.get("/videos"))
    assert response.status_code == 500
    assert b'"code": "server_error"' in response.content
