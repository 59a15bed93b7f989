"""The admin login form refuses guessing at the API login's rate, for that address only."""

import pytest
from rest_framework.settings import api_settings

from testing import PASSWORD, staff

pytestmark = pytest.mark.django_db

MALLORY = "203.0.113.66"
ALLOWED = int(api_settings.DEFAULT_THROTTLE_RATES["auth"].split("/")[0])  # 20 a minute


def admin_login(client, email: str, password: str, address: str = MALLORY):
    return client.post(
        "/admin/login/",
        {"username": email, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def sam_account(settings):
    # Each guess is checked in full; a fast hasher keeps two dozen of them quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return staff("sam")


def guess_until_refused(client, email: str) -> int:
    for attempt in range(1, 31):
        if admin_login(client, email, f"guess {attempt}").status_code == 429:
            return attempt
    return 0


def test_it_refuses_guesses_past_the_api_login_rate(client, sam_account):
    assert guess_until_refused(client, sam_account.email) == ALLOWED + 1
    response = admin_login(client, sam_account.email, PASSWORD)  # even the right one
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Too many login attempts from your address" in response.content.decode()
    assert 'name="password"' in response.content.decode()  # the form, to try again later
    assert "_auth_user_id" not in client.session


def test_other_addresses_still_log_in(client, sam_account):
    guess_until_refused(client, sam_account.email)
    response = admin_login(client, sam_account.email, PASSWORD, address="198.51.100.7")
    assert response.status_code == 302
    assert response.url == "/admin/"


def test_the_api_login_still_works_from_the_refused_address(client, sam_account):
    guess_until_refused(client, sam_account.email)
    response = client.post(
        "/auth/login",
        {"email": sam_account.email, "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR=MALLORY,
    )
    assert response.status_code == 200


def test_looking_at_the_login_page_does_not_count(client, sam_account):
    for _ in range(ALLOWED + 5):
        assert client.get("/admin/login/", REMOTE_ADDR=MALLORY).status_code == 200
    assert admin_login(client, sam_account.email, PASSWORD).status_code == 302


def test_a_spoofed_forwarded_for_does_not_reset_the_limit(client, sam_account):
    for attempt in range(ALLOWED):
        client.post(
            "/admin/login/",
            {"username": sam_account.email, "password": f"guess {attempt}"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )
    spoofed = client.post(
        "/admin/login/",
        {"username": sam_account.email, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.250",
    )
    assert spoofed.status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(client, sam_account, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for attempt in range(ALLOWED):
        admin_login(client, sam_account.email, f"guess {attempt}", address="10.0.0.5")
    proxied = {"REMOTE_ADDR": "10.0.0.5"}
    # Every guess above came through the proxy without a header: the proxy's own count.
    refused = client.post("/admin/login/", {"username": "x", "password": "y"}, **proxied)
    assert refused.status_code == 429
    other = client.post(
        "/admin/login/",
        {"username": sam_account.email, "password": PASSWORD, "next": "/admin/"},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        **proxied,
    )
    assert other.status_code == 302
