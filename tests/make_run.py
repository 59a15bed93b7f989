"""`make run` for real, in a copy of the repository (its .env, SQLite database, emulator and
localstripe state stay there), on free ports: for the tests that stop it and that paste the
README's walkthrough into it."""

import os
import shutil
import subprocess
from pathlib import Path

from testing import ROOT, answers, free_port, wait_for


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
    def everything_runs() -> bool:
        text = log.read_text()
        # "its events go to": localstripe registered the webhook.
        said = ("Q Cluster", "running.", "Polling video jobs", "its events go to")
        return all(line in text for line in said) and bool(answers(f"{base_url}/healthz")())

    # 240 s: a first migrate on a loaded machine.
    wait_for(make, everything_runs, log=log, timeout=240, what="make run")
