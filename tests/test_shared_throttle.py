"""Every process of a deployment counts against one throttle: two gunicorns share the limit."""

import httpx
import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache

from testing import gunicorn, served_env

LOGIN = {"email": "mallory@example.com", "password": "guess"}


def test_without_redis_the_cache_is_the_database():
    assert isinstance(caches["default"], DatabaseCache)
    assert settings.CACHES["default"]["LOCATION"] == settings.CACHE_TABLE


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_throttle_hit_in_one_process_counts_in_another(tmp_path):
    env = served_env(
        tmp_path,
        AUTH_THROTTLE_RATE="3/minute",
    )
    with (
        gunicorn(tmp_path, env, name="first") as first,
        gunicorn(tmp_path, env, name="second") as second,
    ):
        for _ in range(3):
            assert httpx.post(f"{first}/auth/login", json=LOGIN).status_code == 401
        refused = httpx.post(f"{second}/auth/login", json=LOGIN)
        assert refused.status_code == 429, refused.text
        assert refused.json()["code"] == "throttled"
