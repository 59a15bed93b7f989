"""Test tools that pin their own dependencies, each in its own virtualenv, cached across runs.

    python3 scripts/tool_venv.py gateway          # install if needed; prints the virtualenv's path
    python3 scripts/tool_venv.py client --check   # prints the path if installed, else exits 1

`gateway` is the LiteLLM proxy of the gateway tests (some 750 MB with its dependencies);
`client` is openapi-python-client, which tests/client generates a client with (it pins
its own ruff, httpx and attrs). Neither goes into the app's `.venv`. Each lives in
`${STORYCRAFT_CACHE:-~/.cache/storycraft}/<package>-<version>`, where it outlives work
trees and clean clones. A marker file in it holds the hash of the tool's requirements file:
a second run with the same requirements costs a stat, a changed file is installed over the
same virtualenv, a new version gets a new one. Concurrent runs wait on a lock.
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = ".storycraft-installed"


@dataclass(frozen=True)
class Tool:
    requirements: Path
    package: str  # pinned in `requirements` as package[extras]==version
    executable: str
    hint: str  # what it is, for the first install's message

    def pinned_version(self) -> str:
        pattern = rf"^{re.escape(self.package)}(?:\[[^\]]*\])?==(\S+)"
        match = re.search(pattern, self.requirements.read_text(), re.MULTILINE)
        if not match:
            raise SystemExit(f"{self.requirements} must pin {self.package}==<version>")
        return match.group(1)


TOOLS = {
    "gateway": Tool(
        ROOT / "requirements-gateway.txt", "litellm", "litellm", "LiteLLM, a few minutes"
    ),
    "client": Tool(
        ROOT / "requirements-client.txt",
        "openapi-python-client",
        "openapi-python-client",
        "openapi-python-client, under a minute",
    ),
    "localstripe": Tool(
        ROOT / "requirements-localstripe.txt",
        "localstripe",
        "localstripe",
        "localstripe, a fake Stripe server, under a minute",
    ),
}


def cache_dir() -> Path:
    configured = os.environ.get("STORYCRAFT_CACHE", "").strip()
    return Path(configured) if configured else Path.home() / ".cache" / "storycraft"


def venv_dir(name: str) -> Path:
    tool = TOOLS[name]
    return cache_dir() / f"{tool.package}-{tool.pinned_version()}"


def fingerprint(name: str) -> str:
    return hashlib.sha256(TOOLS[name].requirements.read_bytes()).hexdigest()


def executable(name: str, where: Path | None = None) -> Path:
    return (where or venv_dir(name)) / "bin" / TOOLS[name].executable


def is_installed(name: str, where: Path | None = None) -> bool:
    where = where or venv_dir(name)
    marker = where / MARKER
    return (
        marker.is_file()
        and marker.read_text().strip() == fingerprint(name)
        and executable(name, where).exists()
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


def install(name: str) -> Path:
    tool, where = TOOLS[name], venv_dir(name)
    if is_installed(name, where):
        return where
    with _locked(where.with_name(where.name + ".lock")):
        if is_installed(name, where):  # another run finished it while we waited
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
            f"Installing {tool.requirements.name} into {where} ({tool.hint} the first time)",
            file=sys.stderr,
            flush=True,
        )
        pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
        subprocess.run(  # noqa: S603
            [*pip, "install", "--quiet", "-r", str(tool.requirements)], check=True
        )
        (where / MARKER).write_text(fingerprint(name) + "\n")
        print(
            f"{tool.package} installed in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    return where


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tool", choices=sorted(TOOLS))
    parser.add_argument(
        "--check", action="store_true", help="don't install; exit 1 unless installed"
    )
    options = parser.parse_args()
    if options.check:
        if not is_installed(options.tool):
            print(
                f"{options.tool} is not installed in {venv_dir(options.tool)}: "
                f"run `make {options.tool}`",
                file=sys.stderr,
            )
            return 1
        print(venv_dir(options.tool))
        return 0
    print(install(options.tool))
    return 0


if __name__ == "__main__":
    sys.exit(main())
