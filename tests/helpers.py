"""Run Django in a child process (a command, or gunicorn) with an environment of our choosing."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path: Path, **overrides: str | None) -> dict:
    """What a production host sets: DEBUG off, real secrets, its own host name.

    An override of None leaves that variable out.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "storycraft.example.com",
        "DATABASE_URL": "postgresql://storycraft@db.internal:5432/storycraft?sslmode=verify-full",
        "VAR_DIR": str(tmp_path),
        "STORYCRAFT_DOTENV": os.devnull,  # a developer's .env must not leak in
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def served_env(tmp_path: Path, database_url: str | None = None, **overrides: str | None) -> dict:
    """production_env for a process this test serves on 127.0.0.1 over plain HTTP, on the
    test database (pytest-django's, unless `database_url` says otherwise)."""
    return production_env(
        tmp_path,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url or shared_database_url(),
        SECURE_SSL_REDIRECT="false",
        **overrides,
    )


def run_python(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def shared_database_url() -> str:
    """The URL of the database pytest-django set up, for child processes to share."""
    db = connection.settings_dict
    credentials = f"{db['USER']}:{db['PASSWORD'] or ''}"
    return f"postgresql://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def gunicorn(
    tmp_path: Path, env: dict, *args: str, name: str = "web", app: str = "storycraft.wsgi"
) -> Iterator[str]:
    """A real gunicorn serving `app` on a free port; yields its base URL.

    Its logs go to files in tmp_path (`<name>.error.log`, `<name>.access.log`), and it has
    its own control socket, so that several can run at once.
    """
    error_log = tmp_path / f"{name}.error.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        "127.0.0.1:0",
        "--workers",
        "1",
        "--control-socket",
        str(tmp_path / f"{name}.ctl"),
        "--error-logfile",
        str(error_log),
        "--access-logfile",
        str(tmp_path / f"{name}.access.log"),
        *args,
    ]

    def listening() -> str | None:
        text = _read(error_log)
        found = re.search(r"Listening at: (http://\S+)", text)
        return found.group(1) if found and "Booting worker" in text else None

    with _serving(subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)) as wait:
        yield wait(listening, error_log)


@contextmanager
def runserver(tmp_path: Path, env: dict) -> Iterator[str]:
    """`manage.py runserver` on a free port, its output in tmp_path/runserver.log."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "runserver.log"
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True
        )
    with _serving(process) as wait:
        yield wait(lambda: f"http://127.0.0.1:{port}", log)


@contextmanager
def _serving(process: subprocess.Popen):
    """Yields a function that waits until the server answers /healthz; stops it after."""

    def wait(base_url_when_up, log: Path, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {_read(log)}")
            base_url = base_url_when_up()
            try:
                if base_url and httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                    return base_url
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within {timeout} s: {_read(log)}")

    try:
        yield wait
    finally:
        stop_process_group(process)


def stop_process_group(process: subprocess.Popen) -> None:
    """Stop a process started with start_new_session=True, and whatever it forked."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


@contextmanager
def admin_connection():
    """A second, autocommit psycopg connection to the database Django's connection uses
    (to terminate sessions behind Django's back)."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
        autocommit=True,
    ) as admin:
        yield admin
