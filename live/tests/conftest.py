import pytest

from testing import serve_test_web


@pytest.fixture(scope="module")
def web(tmp_path_factory, django_db_setup, django_db_blocker, sora_emulator):
    """The web app served as production serves it, on the test database; one per module.

    Tests that use it need `transaction=True`: it sees only what they commit.
    """
    with serve_test_web(tmp_path_factory.mktemp("web"), django_db_blocker, sora_emulator) as url:
        yield url
