"""Settings every app's tests share. The people and fixtures live in testing.py."""

import pytest
from django.core.cache import cache
from django.db import connection

# Fixtures (alice, sam, sora_emulator, sora_provider) come from the one module of test
# people, which tests import their factories from.
pytest_plugins = ["testing"]

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
