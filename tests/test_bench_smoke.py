"""`make bench` in smoke mode, so the benchmark suite never rots: the benchmarks that need
the production shape (a private PostgreSQL database, gunicorn under wrk, the emulator in
its own process) at tiny sizes. The sweep checks on its own that it sent exactly one
request per due job."""

import os
import subprocess
import sys

from testing import ROOT


def test_the_benchmarks_run_in_smoke_mode_and_write_no_results(tmp_path):
    out = tmp_path / "bench"
    environment = {**os.environ, "BENCH_DATABASE_URL": os.environ["DATABASE_URL"]}
    done = subprocess.run(
        [
            sys.executable,
            *("-m", "benchmarks", "read", "ledger", "sweep", "sweep-openrouter", "order", "rss"),
            "payments",
            *("--smoke", "--out", str(out)),
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for title in (
        "B1 GET /videos/{id} vs a bare ORM JsonResponse view",
        "B1 GET /videos, a page of 20",
        "B1 GET /videos/{id} answered 304",
        "B2 reserve_credits, 16 threads on one wallet",
        "B2 reserve_credits, 16 threads on 16 wallets",
        "B7 payment_intent.succeeded webhooks",
        "B3 sweep of 20 due jobs",
        "B3 sweep of 50 due jobs",
        "jobs in flight",
        "B3 OpenRouter protocol: sweep of 50 due jobs",
        "B5 order to completed, webhooks off",
        "B5 order to completed, webhooks on",
        "B4 download",
    ):
        assert title in done.stdout
    assert not out.exists()
