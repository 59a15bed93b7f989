"""X-Forwarded-For is believed only from TRUSTED_PROXIES: a real gunicorn with the
production worker class, and the client IP the throttles see in-process."""

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from storycraft.proxies import client_ip
from testing import asgi_web, run_python, served_env

LOGIN = {"email": "mallory@example.com", "password": "guess"}


def _login(base_url: str, forwarded_for: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return httpx.post(f"{base_url}/auth/login", json=LOGIN, headers=headers, timeout=10)


@pytest.mark.proxy
@pytest.mark.django_db(transaction=True)
def test_a_spoofed_header_from_loopback_gets_the_same_429(tmp_path):
    # No TRUSTED_PROXIES: uvicorn's own default would trust 127.0.0.1 and take the header.
    env = served_env(tmp_path, AUTH_THROTTLE_RATE="3/minute")
    with asgi_web(tmp_path, env) as web:
        for n in range(3):
            assert _login(web, f"198.51.100.{n}").status_code == 401
        spoofed = _login(web, "203.0.113.77")
        assert spoofed.status_code == 429, spoofed.text
        assert spoofed.json()["code"] == "throttled"
        assert _login(web).status_code == 429


@pytest.mark.proxy
@pytest.mark.django_db(transaction=True)
def test_a_trusted_proxys_header_names_the_client(tmp_path):
    env = served_env(tmp_path, AUTH_THROTTLE_RATE="2/minute", TRUSTED_PROXIES="127.0.0.0/8")
    with asgi_web(tmp_path, env) as web:
        for _ in range(2):
            assert _login(web, "198.51.100.1").status_code == 401
        assert _login(web, "198.51.100.1").status_code == 429
        # Another client behind the same proxy has its own count; a hop the client wrote
        # itself (leftmost) changes nothing, the proxy's own entry (rightmost) counts.
        assert _login(web, "198.51.100.2").status_code == 401
        assert _login(web, "203.0.113.9, 198.51.100.1").status_code == 429


def _request(remote: str, forwarded_for: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("127.0.0.1", "203.0.113.5")) == "127.0.0.1"


def test_the_nearest_untrusted_hop_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]
    assert client_ip(_request("127.0.0.1", "203.0.113.5")) == "203.0.113.5"
    assert client_ip(_request("127.0.0.1", "1.2.3.4, 203.0.113.5, 10.1.2.3")) == "203.0.113.5"
    assert client_ip(_request("198.51.100.7", "203.0.113.5")) == "198.51.100.7"
    assert client_ip(_request("127.0.0.1")) == "127.0.0.1"
    assert client_ip(_request("127.0.0.1", "10.0.0.1")) == "127.0.0.1"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRUSTED_PROXIES", "10.0.0.1,not-an-ip", "TRUSTED_PROXIES takes IP addresses"),
        ("NUM_PROXIES", "1", "NUM_PROXIES is gone"),
    ],
)
def test_settings_refuse_a_bad_proxy_setting(tmp_path, name, value, message):
    env = served_env(tmp_path, **{name: value})
    result = run_python(["manage.py", "check"], env)
    assert result.returncode != 0
    assert message in result.stderr
    assert ImproperlyConfigured.__name__ in result.stderr
