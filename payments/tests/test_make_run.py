"""`make run` without a Stripe key: localstripe started by scripts/run_localstripe.py, which
registers the webhook there (events reach the URL, signed with the secret), and the packs
that scripts/run.py seeds."""

import importlib.util
import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import stripe

from payments.models import CreditPack
from payments.tests.helpers import CARD_OK, StripeServer
from testing import ROOT, free_port, started_process, tool_executable

pytestmark = pytest.mark.payments

RUN_LOCALSTRIPE = [
    str(ROOT / ".venv" / "bin" / "python"),
    str(ROOT / "scripts" / "run_localstripe.py"),
]


def _localstripe_python():
    return tool_executable("localstripe", marker="payments").parent / "python"


class _Received(BaseHTTPRequestHandler):
    events: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.events.append((body, self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_run_localstripe_registers_the_webhook_and_events_arrive_signed(tmp_path):
    receiver = HTTPServer(("127.0.0.1", 0), _Received)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    port, secret = free_port(), "whsec_make_run"
    env = {
        **os.environ,
        "LOCALSTRIPE_PYTHON": str(_localstripe_python()),
        "LOCALSTRIPE_PORT": str(port),
        "STRIPE_WEBHOOK_URL": f"http://127.0.0.1:{receiver.server_port}/webhooks/stripe",
        "STRIPE_WEBHOOK_SECRET": secret,
        "LOCALSTRIPE_STATE": str(tmp_path / "state" / "localstripe.pickle"),
    }
    log = tmp_path / "run_localstripe.log"
    try:
        with started_process(
            RUN_LOCALSTRIPE,
            ready=lambda: "its events go to" in log.read_text(),
            log=log,
            env=env,
            what="run_localstripe.py",
        ):
            server = StripeServer(f"http://127.0.0.1:{port}")
            intent = server.client.v1.payment_intents.create(
                params={"amount": 500, "currency": "usd", "payment_method_types": ["card"]}
            )
            server.pay(intent.id, CARD_OK)
            deadline = time.monotonic() + 15
            while not _Received.events and time.monotonic() < deadline:
                time.sleep(0.1)
            body, signature = _Received.events[0]
            stripe.WebhookSignature.verify_header(body, signature, secret, tolerance=300)
            event = json.loads(body)
            assert (event["type"], event["data"]["object"]["id"]) == (
                "payment_intent.succeeded",
                intent.id,
            )
            # A second one on the same port refuses to start rather than share it.
            taken = subprocess.run(
                RUN_LOCALSTRIPE,
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert taken.returncode == 1 and "is taken" in taken.stdout
    finally:
        receiver.shutdown()


@pytest.mark.django_db
def test_make_run_seeds_two_packs_once_and_a_webhook_secret(settings, monkeypatch):
    from django.core.management import call_command

    spec = importlib.util.spec_from_file_location("make_run", ROOT / "scripts" / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    settings.STRIPE_WEBHOOK_SECRET = ""
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    # prepare_localstripe sets these for the Procfile: restored after the test.
    monkeypatch.setenv("LOCALSTRIPE_PYTHON", "")
    monkeypatch.setenv("LOCALSTRIPE_PORT", "8002")

    line = run.prepare_localstripe(settings, call_command)
    run.prepare_localstripe(settings, call_command)

    assert "localstripe" in line
    assert sorted(CreditPack.objects.values_list("name", "credits", "amount")) == [
        ("Creator", 2500, 2000),
        ("Starter", 500, 500),
    ]
    assert settings.STRIPE_WEBHOOK_SECRET.startswith("whsec_")
    assert os.environ["STRIPE_WEBHOOK_SECRET"] == settings.STRIPE_WEBHOOK_SECRET
    assert os.environ["LOCALSTRIPE_PYTHON"] == str(_localstripe_python())
