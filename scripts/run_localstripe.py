"""`make run`'s fake Stripe: start localstripe, register StoryCraft's webhook there, stay.

    LOCALSTRIPE_PYTHON=<its virtualenv>/bin/python LOCALSTRIPE_PORT=8002 STRIPE_WEBHOOK_SECRET=... \
        STRIPE_WEBHOOK_URL=http://127.0.0.1:8000/webhooks/stripe \
        .venv/bin/python scripts/run_localstripe.py

One Procfile process: honcho stops everything when any of its processes exits, so the
registration (localstripe forgets webhooks when it restarts) happens here, after it answers,
and this process then waits for localstripe and hands signals on to it. Its payments are
kept in var/localstripe.pickle (or LOCALSTRIPE_STATE) across restarts
(scripts/localstripe_server.py).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

START_TIMEOUT = 30
WEBHOOK_ID = "storycraft"


def _answers(base: str) -> bool:
    try:
        httpx.get(f"{base}/v1/customers", auth=("sk_test_localstripe", ""), timeout=2)
    except httpx.HTTPError:
        return False
    return True


def register_webhook(base: str, url: str, secret: str) -> None:
    response = httpx.post(
        f"{base}/_config/webhooks/{WEBHOOK_ID}", data={"url": url, "secret": secret}, timeout=5
    )
    response.raise_for_status()


def main() -> int:
    port = os.environ.get("LOCALSTRIPE_PORT", "8002")
    base = f"http://127.0.0.1:{port}"
    if _answers(base):
        # Another server there would get our webhook registration and our payments.
        print(f"LOCALSTRIPE_PORT {port} is taken: stop what runs there, or set another.")
        return 1
    server = Path(__file__).resolve().parent / "localstripe_server.py"
    default_state = Path(__file__).resolve().parent.parent / "var" / "localstripe.pickle"
    state = Path(os.environ.get("LOCALSTRIPE_STATE") or default_state)
    state.parent.mkdir(parents=True, exist_ok=True)
    command = [os.environ["LOCALSTRIPE_PYTHON"], str(server), str(state), "--port", port]
    child = subprocess.Popen(command)  # noqa: S603
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, frame: child.send_signal(signum))
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(base):
        if child.poll() is not None:
            return child.returncode
        if time.monotonic() > deadline:
            print(f"localstripe did not answer on {base}", file=sys.stderr, flush=True)
            child.terminate()
            return 1
        time.sleep(0.2)
    url = os.environ["STRIPE_WEBHOOK_URL"]
    register_webhook(base, url, os.environ["STRIPE_WEBHOOK_SECRET"])
    print(f"localstripe on {base}: its events go to {url}", flush=True)
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
