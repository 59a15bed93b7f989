"""`python -m benchmarks` (`make bench`): run every benchmark, print a table, exit 1 on a miss."""

import argparse
import shutil
import sys
import time

from benchmarks.common import Result, prepare_environment, size_text, table

BENCHMARKS = ("download", "serve", "emulator", "speed", "live")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Speed and memory targets as ratios against a baseline measured in the "
        "same run. Exits 1 when a ratio misses its target.",
    )
    parser.add_argument("names", nargs="*", help=f"run only these: {', '.join(BENCHMARKS)}")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    if unknown := [name for name in names if name not in BENCHMARKS]:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    workdir = prepare_environment()  # before anything reads Django settings
    import django

    django.setup()

    from benchmarks import live, memory, speed
    from benchmarks.fixture import big_video, start_emulator

    started = time.monotonic()
    server, base_url = start_emulator(workdir)
    results: list[Result] = []
    try:
        video = None
        if {"download", "serve", "emulator"} & set(names):
            print("preparing: ordering and encoding a 12 s 1792x1024 sora-2-pro video ...")
            video = big_video(server, base_url)
            print(f"video: {size_text(video.size)}")
        runs = {
            "download": lambda: memory.download(video),
            "serve": lambda: memory.serve(video),
            "emulator": lambda: memory.emulator(video),
            "speed": lambda: speed.batch(base_url),
            "live": lambda: live.run(base_url, workdir),  # benchmarks/live.py: GET /events
        }
        for name in names:
            for result in runs[name]():
                results.append(result)
                print("  ".join(result.row()), flush=True)
    finally:
        server.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(table(results))
    failed = [result for result in results if not result.passed]
    print()
    print(
        f"{len(results) - len(failed)} of {len(results)} targets met "
        f"in {time.monotonic() - started:.0f} s" + (" -- FAIL" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
