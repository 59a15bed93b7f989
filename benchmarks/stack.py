"""Private PostgreSQL databases and an emulator in its own process, for the benchmarks
that need the production shape."""

import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ROOT = Path(__file__).resolve().parent.parent


def server_url(original: str | None) -> str:
    """The PostgreSQL server to use: BENCH_DATABASE_URL, else DATABASE_URL when it is
    PostgreSQL, else the local server (as the tests choose it)."""
    for url in (os.environ.get("BENCH_DATABASE_URL"), original):
        if url and url.startswith(("postgres://", "postgresql://")):
            return url
    return LOCAL_URL


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def private_database(url: str, *, purpose: str = "", use: bool = True):
    """A fresh database on that server, named for this process (and `purpose`), dropped
    afterwards; yields its URL. When the local server does not answer, a throwaway one
    from the `pgserver` package. `use`: point DATABASE_URL at it (call before
    django.setup()); the web processes that some benchmarks start get theirs by URL."""
    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.OperationalError:
        if url != LOCAL_URL:
            raise
        import pgserver  # optional: only when no PostgreSQL server answers

        server = pgserver.get_server(str(Path(os.environ["VAR_DIR"]) / "pg"), cleanup_mode="stop")
        url = server.get_uri()
    name = f"storycraft_bench_{os.getpid()}" + (f"_{purpose}" if purpose else "")
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = with_database(url, name)
    if use:
        os.environ["DATABASE_URL"] = database_url
    try:
        yield database_url
    finally:
        if use:
            from django.db import connections

            connections.close_all()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)


def analyze() -> None:
    """This machine's PostgreSQL runs with autovacuum off: fresh statistics first."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def emulator_process(workdir: Path, **env):
    """`python -m sora_emulator` in a process of its own (its GIL is not ours); yields
    its /v1 base URL. `env`: EMULATOR_* settings."""
    port = free_port()
    environment = {**os.environ, **{key: str(value) for key, value in env.items()}}
    process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "sora_emulator", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / f"emulator-{port}.log").open("w"),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the emulator did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass(frozen=True)
class WebProcess:
    url: str
    pid: int  # the worker's, whose memory some benchmarks read


@contextmanager
def web_process(
    workdir: Path,
    *,
    settings: str = "storycraft.settings",
    port: int = 0,
    migrate: bool = False,
    **env,
):
    """gunicorn as docker/entrypoint.sh runs it, one worker; yields a WebProcess.
    `settings`: the Django settings module; `env`: settings by environment variable;
    `migrate`: first migrate the database it is given (a private one)."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        **{key: str(value) for key, value in env.items()},
    }
    if migrate:
        for command in (["migrate", "--noinput"], ["createcachetable"]):
            subprocess.run(  # noqa: S603 (our own manage.py)
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=environment,
                check=True,
                capture_output=True,
            )
    log = workdir / f"web-{port or 'any'}-{time.monotonic_ns()}.log"
    command = [
        sys.executable, "-m", "gunicorn", "storycraft.asgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1",
        "--worker-class", "live.worker.UvicornWorker",
        "--timeout", "120", "--keep-alive", "75", "--graceful-timeout", "30",
        "--worker-tmp-dir", "/dev/shm",  # noqa: S108 (as docker runs it)
        "--access-logfile", "-", "--logger-class", "storycraft.logs.GunicornLogger",
        "--error-logfile", str(log),
        "--control-socket", str(log.with_suffix(".ctl")),
        "--backlog", "4096",  # the live benchmark opens 2,000 streams at once
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 (gunicorn, our arguments)
        command,
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log.with_suffix(".stderr").open("w"),  # the app's own log lines
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            text = log.read_text() if log.exists() else ""
            url = re.search(r"Listening at: (http://\S+)", text)
            pid = re.search(r"Booting worker with pid: (\d+)", text)
            if url and pid:
                try:
                    if httpx.get(f"{url.group(1)}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {text}")
            time.sleep(0.1)
        yield WebProcess(url.group(1), int(pid.group(1)))
    finally:
        process.terminate()
        process.wait(timeout=30)
