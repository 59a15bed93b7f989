"""`python -m benchmarks` (`make bench`): run every benchmark, print a table, write
bench/results.md and bench/results.json, exit 1 on a miss."""

import argparse
import json
import os
import platform
import shutil
import sys
import time
import traceback
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import ledger, live, memory, payments, poller, read, speed
from benchmarks import stack as stacks
from benchmarks.common import Result, markdown, prepare_environment, size_text, table
from benchmarks.fixture import big_video, start_emulator

BENCHMARKS = (
    "read",
    "ledger",
    "sweep",
    "sweep-openrouter",
    "order",
    "download",
    "rss",
    "serve",
    "emulator",
    "speed",
    "live",
    "payments",
)
# Those that need PostgreSQL and an emulator process.
STACKED = {"sweep", "sweep-openrouter", "order"}
RESULTS_DIR = Path(__file__).resolve().parent.parent / "bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Speed and memory targets as ratios against a baseline measured in the "
        "same run. Exits 1 when a ratio misses its target.",
    )
    parser.add_argument("names", nargs="*", help=f"run only these: {', '.join(BENCHMARKS)}")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="seconds, not minutes: tiny sizes, one pair each, no targets enforced "
        "(CI runs this so the suite never rots); results are not written",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where results go")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    if unknown := [name for name in names if name not in BENCHMARKS]:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    original_database = os.environ.get("DATABASE_URL")
    workdir = prepare_environment()  # before anything reads Django settings
    started = time.monotonic()
    results: list[Result] = []
    with ExitStack() as stack:
        if not args.keep:
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        else:
            stack.callback(print, f"kept {workdir}")
        stack.enter_context(stacks.private_database(stacks.server_url(original_database)))
        import django

        django.setup()
        print("preparing: a private database ...", flush=True)
        stacks.migrate()
        stacks.analyze()
        for name in names:
            began = time.monotonic()
            try:
                ran = _run(name, workdir, stack, smoke=args.smoke)
            except Exception as error:
                if args.smoke:
                    raise
                traceback.print_exc()
                ran = [Result(f"{name}: crashed ({error!r})"[:200], float("inf"), 1.0, 0.0)]
            for result in ran:
                results.append(result)
                print("  ".join(result.row()), flush=True)
            print(f"({name}: {time.monotonic() - began:.0f} s)", flush=True)

    elapsed = time.monotonic() - started
    print()
    print(table(results))
    failed = [result for result in results if not result.passed]
    print()
    print(
        f"{len(results) - len(failed)} of {len(results)} targets met "
        f"in {elapsed:.0f} s" + (" -- FAIL" if failed else "")
    )
    if args.smoke:
        return 0
    _write(args.out, results, elapsed)
    return 1 if failed else 0


_emulators: dict = {}


def _run(name: str, workdir: Path, stack: ExitStack, *, smoke: bool) -> list[Result]:
    if name == "read":
        return read.run(workdir, smoke=smoke)
    if name == "ledger":
        return ledger.ledger(holds_per_thread=3, pairs=1) if smoke else ledger.ledger()
    if name == "payments":
        return payments.webhook(deliveries=30, pairs=1) if smoke else payments.webhook()
    if name == "sweep":
        from django.test import override_settings

        from videos.provider import reset_provider

        base_url = stack.enter_context(
            stacks.emulator_process(
                workdir, EMULATOR_JOB_SECONDS=3600, EMULATOR_POLL_AFTER_MS=10_000
            )
        )
        with override_settings(OPENAI_BASE_URL=base_url, OPENAI_API_KEY=poller.API_KEY):
            reset_provider()
            try:
                if smoke:
                    return poller.sweep(base_url, sizes=(20, 50), pairs=(1, 1), smoke=True)
                return poller.sweep(base_url)
            finally:
                reset_provider()
    if name == "sweep-openrouter":
        base_url = stack.enter_context(stacks.emulator_process(workdir, EMULATOR_JOB_SECONDS=3600))
        base_url = base_url.removesuffix("/v1") + "/api/v1"  # its OpenRouter side
        if smoke:
            return poller.sweep_openrouter(base_url, sizes=(20, 50), pairs=(1, 1))
        return poller.sweep_openrouter(base_url)
    if name == "order":
        base_url = stack.enter_context(
            stacks.emulator_process(workdir, EMULATOR_JOB_SECONDS=1 if smoke else 4)
        )
        results = poller.order_to_completed(base_url, pairs=1 if smoke else 3)
        # Webhooks on, as `make run` has them: the emulator posts to a web process.
        port = stacks.free_port()
        base_url = stack.enter_context(
            stacks.emulator_process(
                workdir,
                EMULATOR_JOB_SECONDS=1 if smoke else 4,
                EMULATOR_WEBHOOK_URL=f"http://127.0.0.1:{port}/webhooks/openai",
                EMULATOR_WEBHOOK_SECRET=poller.WEBHOOK_SECRET,
            )
        )
        stack.enter_context(
            stacks.web_process(
                workdir,
                port=port,
                OPENAI_BASE_URL=base_url,
                OPENAI_API_KEY=poller.API_KEY,
                OPENAI_WEBHOOK_SECRET=poller.WEBHOOK_SECRET,
                Q_SYNC="true",
            )
        )
        return results + poller.order_to_completed(
            base_url, pairs=1 if smoke else 3, webhook_secret=poller.WEBHOOK_SECRET
        )

    # The memory and client benchmarks share one in-thread emulator and a big video.
    if "thread" not in _emulators:
        server, base_url = start_emulator(workdir)
        stack.callback(server.stop)
        _emulators["thread"] = (server, base_url)
    server, base_url = _emulators["thread"]
    if name == "live":
        return live.run(base_url, workdir)
    if name == "speed":
        return speed.batch(base_url, rounds=2 if smoke else speed.ROUNDS)
    if "video" not in _emulators:
        print("preparing: ordering and encoding a 12 s 1792x1024 sora-2-pro video ...")
        _emulators["video"] = big_video(server, base_url)
        print(f"video: {size_text(_emulators['video'].size)}")
    video = _emulators["video"]
    if name == "rss":
        return (
            memory.download_rss(video, size=30_000_000, pairs=1)
            if smoke
            else (memory.download_rss(video))
        )
    return {"download": memory.download, "serve": memory.serve, "emulator": memory.emulator}[name](
        video
    )


def _write(directory: Path, results: list[Result], elapsed: float) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    (directory / "results.json").write_text(
        json.dumps(
            {
                "when": when,
                "machine": machine,
                "seconds": round(elapsed),
                "results": [result.as_json() for result in results],
            },
            indent=2,
        )
        + "\n"
    )
    (directory / "results.md").write_text(
        f"# `make bench`, {when}\n\n{machine}; {elapsed:.0f} s. Ratios are the median of "
        "interleaved pairs (min-max) where pairs were run, else measured / baseline; a "
        "time or size must stay `<=` its target, a rate (req/s) reach `>=` it.\n\n"
        + markdown(results)
        + "\n"
    )
    print(f"wrote {directory / 'results.md'} and {directory / 'results.json'}")


if __name__ == "__main__":
    sys.exit(main())
