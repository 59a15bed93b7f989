"""localstripe, the fake stateful Stripe server, as a real process for the payments tests.

    localstripe       (session) its base URL; started from its own cached virtualenv
                      (`make localstripe`, scripts/tool_venv.py), on a free port
    stripe_server     (per test) localstripe emptied, and the settings pointing at it:
                      STRIPE_SECRET_KEY, STRIPE_API_BASE, STRIPE_WEBHOOK_SECRET
Every test module here carries the `payments` marker (pytestmark).
"""

import httpx
import pytest

from payments.tests.helpers import WEBHOOK_SECRET, StripeServer
from testing import ROOT, free_port, started_process, tool_executable


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    python = tool_executable("localstripe", marker="payments").parent / "python"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = tmp_path_factory.mktemp("localstripe")

    def answering() -> str:
        httpx.get(f"{base}/v1/customers", auth=("sk_test_x", ""), timeout=2)
        return base

    with started_process(
        # Its state in our own file, not the machine's shared /tmp/localstripe.pickle.
        [
            str(python),
            str(ROOT / "scripts" / "localstripe_server.py"),
            str(workdir / "state.pickle"),
            "--port",
            str(port),
        ],
        ready=answering,
        log=workdir / "localstripe.log",
        what="localstripe",
    ):
        yield base


@pytest.fixture
def stripe_server(localstripe, settings):
    server = StripeServer(localstripe)
    server.flush()
    settings.STRIPE_SECRET_KEY = "sk_test_storycraft"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_storycraft"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe
    yield server
    server.forget_webhooks()
