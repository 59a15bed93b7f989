import pytest

from live.tests.server import asgi_web
from tests.helpers import production_env, shared_database_url


@pytest.fixture(scope="module")
def web(tmp_path_factory, django_db_setup, django_db_blocker, sora_emulator):
    """The web app served as production serves it, on the test database; one per module.

    Tests that use it need `transaction=True`: it sees only what they commit.
    """
    tmp_path = tmp_path_factory.mktemp("web")
    with django_db_blocker.unblock():
        database_url = shared_database_url()
    env = production_env(
        tmp_path,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        SECURE_SSL_REDIRECT="false",
        LIVE_HEARTBEAT_SECONDS="1",
        OPENAI_BASE_URL=sora_emulator.base_url,
        OPENAI_API_KEY=sora_emulator.api_key,
    )
    with asgi_web(tmp_path, env) as base_url:
        yield base_url
