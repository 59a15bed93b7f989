"""localstripe, the fake stateful Stripe server, as a real process for the payments tests.

    localstripe       (session) its base URL; started from its own cached virtualenv
                      (`make localstripe`, scripts/tool_venv.py), on a free port
    stripe_server     (per test) localstripe emptied, and the settings pointing at it:
                      STRIPE_SECRET_KEY, STRIPE_API_BASE, STRIPE_WEBHOOK_SECRET
Every test module here carries the `payments` marker (pytestmark).
"""

import importlib.util
import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from payments.tests.helpers import WEBHOOK_SECRET, StripeServer
from testing import stop_process_group

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30


def _python() -> Path:
    spec = importlib.util.spec_from_file_location("tool_venv", ROOT / "scripts" / "tool_venv.py")
    installer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(installer)
    if installer.is_installed("localstripe"):
        return installer.venv_dir("localstripe") / "bin" / "python"
    where = installer.venv_dir("localstripe")
    hint = "`make test` runs `make localstripe` first" if os.environ.get("CI") else ""
    pytest.fail(
        f"localstripe is not installed in {where}: run `make localstripe` (a small cached "
        f"virtualenv) or deselect these tests with -m 'not payments'. {hint}",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    python = _python()
    port = _free_port()
    workdir = tmp_path_factory.mktemp("localstripe")
    log_path = workdir / "localstripe.log"
    launcher = ROOT / "scripts" / "localstripe_server.py"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            # Its state in our own file, not the machine's shared /tmp/localstripe.pickle.
            [str(python), str(launcher), str(workdir / "state.pickle"), "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"localstripe exited: {log_path.read_text()[-2000:]}", pytrace=False)
            try:
                httpx.get(f"{base}/v1/customers", auth=("sk_test_x", ""), timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    pytest.fail(f"localstripe did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.1)
        yield base
    finally:
        stop_process_group(process)


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
