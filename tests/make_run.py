"""`make run` for real, in a copy of the repository (its .env, SQLite database, emulator and
localstripe state stay there), on free ports: for the tests that stop it and that paste the
README's walkthrough into it."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx

from testing import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def copy_repository(folder: Path) -> Path:
    """A copy of the repository's files (tracked and new), sharing this one's virtualenv."""
    copy = folder / "storycraft"
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    (copy / ".venv").symlink_to((ROOT / ".venv").resolve())
    for requirements in copy.glob("requirements*.txt"):
        os.utime(requirements, (0, 0))  # older than .venv/.installed: make installs nothing
    return copy


def start(repository: Path, log: Path) -> tuple[subprocess.Popen, dict]:
    """`make run` in its own process group (as in a terminal); the ports it was given.

    Every port is a free one: .env's LOCALSTRIPE_PORT (8002) may be another server's, and
    localstripe then refuses to start and honcho stops everything. Its own HOME (gunicorn's
    control socket), but the tools' cache that `make test` filled (no download here)."""
    cache = os.environ.get("STORYCRAFT_CACHE") or str(Path.home() / ".cache" / "storycraft")
    ports = {name: str(free_port()) for name in ("PORT", "EMULATOR_PORT", "LOCALSTRIPE_PORT")}
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(repository.parent),
        "STORYCRAFT_CACHE": cache,
        **ports,
    }
    with log.open("w") as output:
        make = subprocess.Popen(
            ["make", "run"],
            cwd=repository,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as in a terminal
        )
    return make, ports


def wait_until_everything_runs(make: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + 240  # a first migrate on a loaded machine
    while time.monotonic() < deadline:
        assert make.poll() is None, log.read_text()[-3000:]
        text = log.read_text()
        if (
            "Q Cluster" in text
            and "running." in text
            and "Polling video jobs" in text
            and "its events go to" in text  # localstripe registered the webhook
        ):
            try:
                if httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
        time.sleep(0.5)
    raise AssertionError(f"make run did not come up: {log.read_text()[-3000:]}")
