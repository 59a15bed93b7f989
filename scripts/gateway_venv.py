"""The LiteLLM proxy for the gateway tests, in its own virtualenv, cached across runs.

    python3 scripts/gateway_venv.py          # install if needed; prints the virtualenv's path
    python3 scripts/gateway_venv.py --check  # prints the path if installed, else exits 1

LiteLLM's proxy with its dependencies is some 750 MB, far more than StoryCraft needs, so
it never goes into the app's `.venv`. It lives in
`${STORYCRAFT_CACHE:-~/.cache/storycraft}/litellm-<version>`, where it outlives work trees
and clean clones. A marker file in it holds the hash of requirements-gateway.txt: a second
run with the same requirements costs a stat, a changed file is installed over the same
virtualenv, a new LiteLLM version gets a new one. Concurrent runs wait on a lock.
Standard library only: it runs before any virtualenv exists.
"""

import argparse
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import venv
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements-gateway.txt"
MARKER = ".storycraft-installed"


def cache_dir() -> Path:
    configured = os.environ.get("STORYCRAFT_CACHE", "").strip()
    return Path(configured) if configured else Path.home() / ".cache" / "storycraft"


def pinned_version(requirements: Path = REQUIREMENTS) -> str:
    match = re.search(r"^litellm(?:\[[^\]]*\])?==(\S+)", requirements.read_text(), re.MULTILINE)
    if not match:
        raise SystemExit(f"{requirements} must pin litellm[proxy]==<version>")
    return match.group(1)


def venv_dir() -> Path:
    return cache_dir() / f"litellm-{pinned_version()}"


def fingerprint() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def litellm_executable(where: Path | None = None) -> Path:
    return (where or venv_dir()) / "bin" / "litellm"


def is_installed(where: Path | None = None) -> bool:
    where = where or venv_dir()
    marker = where / MARKER
    return (
        marker.is_file()
        and marker.read_text().strip() == fingerprint()
        and litellm_executable(where).exists()
    )


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def install() -> Path:
    where = venv_dir()
    if is_installed(where):
        return where
    with _locked(where.with_name(where.name + ".lock")):
        if is_installed(where):  # another run finished it while we waited
            return where
        started = time.monotonic()
        python = where / "bin" / "python"
        if not python.exists():
            if where.exists():
                shutil.rmtree(where)  # a half-made virtualenv
            print(f"Creating {where}", file=sys.stderr, flush=True)
            venv.EnvBuilder(with_pip=True).create(where)
        (where / MARKER).unlink(missing_ok=True)
        print(
            f"Installing {REQUIREMENTS.name} into {where} (a few minutes the first time)",
            file=sys.stderr,
            flush=True,
        )
        pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
        subprocess.run([*pip, "install", "--quiet", "-r", str(REQUIREMENTS)], check=True)  # noqa: S603
        (where / MARKER).write_text(fingerprint() + "\n")
        print(
            f"LiteLLM installed in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    return where


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="don't install; exit 1 unless installed"
    )
    options = parser.parse_args()
    if options.check:
        if not is_installed():
            print(f"LiteLLM is not installed in {venv_dir()}: run `make gateway`", file=sys.stderr)
            return 1
        print(venv_dir())
        return 0
    print(install())
    return 0


if __name__ == "__main__":
    sys.exit(main())
