"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache
from django.db import connection

from sora_emulator import serve_in_thread

DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    # Throttle history lives in the cache; one test's sign-ups must not throttle the next.
    # The cache is a database table: tests that never touch the database leave it alone.
    uses_database = request.node.get_closest_marker("django_db") or (
        DATABASE_FIXTURES & set(request.fixturenames)
    )
    if not uses_database:
        yield
        return
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        cache.clear()
    yield
    # What a test wrote inside its transaction is rolled back with it (and that transaction
    # may be broken); what it committed stays for the next test unless cleared.
    if not connection.in_atomic_block:
        with blocker.unblock():
            cache.clear()


@pytest.fixture
def sam(client, db):
    """Sam from support: a superuser, logged into the admin through `client`."""
    from tests.admin_support import staff

    sam = staff("sam")
    client.force_login(sam)
    return sam


# --- The Sora emulator (videos.provider and the job tests) ---------------------------------


class RunningEmulator:
    """A Sora emulator serving over real HTTP in this process."""

    def __init__(self, server, base_url: str):
        self.server = server
        self.base_url = base_url
        self.api_key = "sk-test"

    @property
    def settings(self):
        return self.server.settings


@pytest.fixture(scope="session")
def sora_emulator(tmp_path_factory):
    """One emulator for the session: jobs finish in 1 s, encodes cached for the session.

    It keeps state between tests, so give every test its own prompts (the 429/500
    markers fail only the first create of a given prompt).
    """
    server, base_url = serve_in_thread(
        job_seconds=1, cache_dir=tmp_path_factory.mktemp("sora-emulator-cache")
    )
    yield RunningEmulator(server, base_url)
    server.stop()


@pytest.fixture
def sora_provider(sora_emulator, settings):
    """`videos.provider.get_provider()` pointed at the session emulator."""
    from videos.provider import get_provider, reset_provider

    settings.OPENAI_BASE_URL = sora_emulator.base_url
    settings.OPENAI_API_KEY = sora_emulator.api_key
    settings.OPENAI_AUTH_STYLE = "bearer"
    reset_provider()
    yield get_provider()
    reset_provider()
