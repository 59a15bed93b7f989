"""The people every test meets, and the helpers more than one app's tests share.

Tests import factories and helpers from here, never from a conftest:

    person(name, credits=, verified=, **fields)  a customer signed up (and verified)
    staff(name), support_agent(name, *permissions), support_staff(name)   the back office
    api_for(user)                     an APIClient holding the user's access token
    available(user), wallet_of(user), entries_of(user, *kinds)   what their wallet says
    order(), finished_order(), held_jobs(), unfinished_job()   their videos
    wait_until(condition)             poll until something happens
    production_env(), served_env(), run_python(), shared_database_url()   Django's
                                      environment in a child process
    free_port(), started_process(argv, ready=, log=), wait_for(), stop_process_group(),
    tool_executable(name, marker=)    any server as a child process, started and waited
                                      for one way (the gateway, localstripe, caddy...)
    gunicorn(), runserver(), asgi_web(), serve_test_web()   Django served for real
    EventReader(response)             a Server-Sent Events reader for plain HTTP clients
    admin_connection()                a second connection to the test database

The root conftest loads this module as a pytest plugin (`pytest_plugins`), which makes the
fixtures below available everywhere: `alice` (a customer), `sam` (support, logged into the
admin through `client`), `sora_emulator` (one per session) and `sora_provider`.
An app keeps a helper of its own only while no other app's tests use it.
"""

import importlib.util
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.services import mark_email_verified
from accounts.support import SUPPORT_GROUP
from catalog.models import DEFAULT_ENDPOINT, ProviderEndpoint
from sora_emulator import serve_in_thread
from videos.models import VideoJob
from videos.provider import get_provider, reset_provider
from wallet.models import LedgerEntry, Wallet
from wallet.selectors import available_credits
from wallet.services import HoldRequest, deduct_credits, grant_credits, reserve_credits

PASSWORD = "correct horse 42"


# --- People -----------------------------------------------------------------------------


def person(name: str, *, credits: int | None = None, verified: bool = True, **fields) -> User:
    """A customer signed up the usual way (`name@example.com`) who opened the verification
    link (welcome credits included), or did not yet with `verified=False`; with `credits`,
    their wallet holds exactly that many available. `fields` go to the user (is_staff=True,
    ...)."""
    user = User.objects.create_user(email=f"{name}@example.com", password=PASSWORD, **fields)
    if verified:
        user = mark_email_verified(user=user)
    if credits is not None:
        difference = credits - available(user)
        if difference > 0:
            grant_credits(user=user, amount=difference, reason="test setup")
        elif difference < 0:
            deduct_credits(user=user, amount=-difference, reason="test setup")
    return user


def staff(name: str = "sam") -> User:
    """A superuser from support (`name@storycraft.test`)."""
    return User.objects.create_superuser(email=f"{name}@storycraft.test", password=PASSWORD)


def support_agent(name: str, *permissions: str) -> User:
    """A staff member who is not a superuser, with just these `app.codename` permissions."""
    agent = User.objects.create_user(
        email=f"{name}@storycraft.test", password=PASSWORD, is_staff=True
    )
    for permission in permissions:
        app_label, codename = permission.split(".")
        agent.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return agent


def support_staff(name: str) -> User:
    """A staff member in the `Support` group (accounts/support.py), as an admin makes one."""
    agent = User.objects.create_user(
        email=f"{name}@storycraft.test", password=PASSWORD, is_staff=True
    )
    agent.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    return agent


def api_for(user: User) -> APIClient:
    """An API client that calls as `user` (a Bearer access token, no login request)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


# --- Their wallets ----------------------------------------------------------------------


def available(user: User) -> int:
    return available_credits(user=user)


def wallet_of(user: User) -> Wallet:
    return Wallet.objects.get(user=user)


def entries_of(user: User, *kinds: str) -> list[LedgerEntry]:
    """The user's ledger entries, oldest first; only these kinds if any are given."""
    entries = LedgerEntry.objects.filter(wallet__user=user).order_by("id")
    return list(entries.filter(kind__in=kinds) if kinds else entries)


# --- Their videos -----------------------------------------------------------------------


def order(client: APIClient, **body):
    """POST /videos with a valid order; `body` overrides its fields, and an
    `idempotency_key` goes into the Idempotency-Key header."""
    body.setdefault("prompt", "A lighthouse at dawn")
    body.setdefault("seconds", 4)
    if "size" not in body:
        body.setdefault("format", "16:9")
    headers = {}
    if "idempotency_key" in body:
        headers["HTTP_IDEMPOTENCY_KEY"] = body.pop("idempotency_key")
    return client.post("/videos", body, format="json", **headers)


def pull_until_finished(client: APIClient, job_id) -> dict:
    """Pull the job (as its owner would) until it completes or fails; its last state."""

    def finished():
        job = client.post(f"/videos/{job_id}/pull").json()
        return job if job["status"] in ("completed", "failed") else None

    return wait_until(finished)


def finished_order(client: APIClient, **body) -> dict:
    """Order a video and wait until it is completed, stored and settled."""
    job = pull_until_finished(client, order(client, **body).json()["id"])
    assert job["status"] == "completed", job
    return job


def held_jobs(owner: User, count: int = 1, *, cost: int = 1, **fields) -> list[VideoJob]:
    """Jobs written straight to the database with their credits held, without the
    provider: for tests about lists, queries and the back office."""
    if count == 0:
        return []
    job_ids = [uuid.uuid4() for _ in range(count)]
    holds = reserve_credits(
        user=owner,
        holds=[
            HoldRequest(amount=cost, key=f"video:{job_id}", video_id=job_id) for job_id in job_ids
        ],
    )
    defaults = {
        "prompt": "A lighthouse at dawn",
        "style": "default",
        "model": "sora-2",
        "upstream_model": "sora-2",
        "endpoint": ProviderEndpoint.objects.get(name=DEFAULT_ENDPOINT),
        "seconds": 4,
        "size": "1280x720",
        "format": "16:9",
        **fields,
    }
    return VideoJob.objects.bulk_create(
        VideoJob(id=job_id, owner=owner, cost=cost, hold=hold, **defaults)
        for job_id, hold in zip(job_ids, holds, strict=True)
    )


def unfinished_job(owner: User, *, cost: int = 80, minutes_ago: int = 30) -> VideoJob:
    """A job still waiting on the provider, its credits held, ordered `minutes_ago`."""
    [job] = held_jobs(owner, cost=cost, status="in_progress")
    # created_at is auto_now_add: age the job afterwards.
    VideoJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    job.refresh_from_db()
    return job


def wait_until(condition, *, timeout: float = 30.0, interval: float = 0.2):
    """Call `condition` until it returns something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


# --- Fixtures ---------------------------------------------------------------------------


@pytest.fixture
def alice(db) -> User:
    """Alice, a customer with the welcome credits, who logs in with PASSWORD."""
    return person("alice")


@pytest.fixture
def sam(client, db) -> User:
    """Sam from support: a superuser, logged into the admin through `client`."""
    sam = staff("sam")
    client.force_login(sam)
    return sam


class RunningEmulator:
    """A Sora emulator serving over real HTTP in this process."""

    def __init__(self, server, base_url: str):
        self.server = server
        self.base_url = base_url
        self.api_key = "sk-test"

    @property
    def settings(self):
        return self.server.settings


@pytest.fixture(scope="session")
def sora_emulator(tmp_path_factory):
    """One emulator for the session: jobs finish in 1 s, encodes cached for the session.

    It keeps state between tests, so give every test its own prompts (the 429/500
    markers fail only the first create of a given prompt).
    """
    server, base_url = serve_in_thread(
        job_seconds=1, cache_dir=tmp_path_factory.mktemp("sora-emulator-cache")
    )
    yield RunningEmulator(server, base_url)
    server.stop()


@pytest.fixture
def sora_provider(sora_emulator, settings):
    """`videos.provider.get_provider()` pointed at the session emulator."""
    settings.OPENAI_BASE_URL = sora_emulator.base_url
    settings.OPENAI_API_KEY = sora_emulator.api_key
    settings.OPENAI_AUTH_STYLE = "bearer"
    reset_provider()
    yield get_provider()
    reset_provider()


# --- Django in a child process: the environment it gets, and the test database ----------

ROOT = Path(__file__).resolve().parent


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


# --- Processes: started, waited for and stopped one way ---------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_tail(path: Path, lines: int = 80) -> str:
    """The last `lines` lines of a log file, for a failure message."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def answers(url: str) -> Callable[[], str]:
    """A readiness check for started_process: `url` once a GET of it gets a 2xx answer."""

    def ready() -> str:
        httpx.get(url, timeout=5).raise_for_status()
        return url

    return ready


def wait_for(
    process: subprocess.Popen,
    ready: Callable[[], Any],
    *,
    log: Path | None,
    timeout: float = 30.0,
    what: str = "the process",
) -> Any:
    """Call `ready()` until it returns something truthy, and return that; an HTTP error it
    raises counts as not yet. If the process exits first, or `timeout` seconds pass, the
    test fails with the end of `log`."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        if process.poll() is not None:
            pytest.fail(
                f"{what} exited with {process.returncode} while starting; its log:\n"
                f"{log_tail(log) if log else '(none)'}",
                pytrace=False,
            )
        try:
            result = ready()
            if result:
                return result
        except httpx.HTTPError as error:
            last = repr(error)
        if time.monotonic() > deadline:
            pytest.fail(
                f"{what} did not come up within {timeout:.0f} s (last: {last}); its log:\n"
                f"{log_tail(log) if log else '(none)'}",
                pytrace=False,
            )
        time.sleep(0.1)


@dataclass
class Started:
    """A process started_process started: `ready` is what its readiness check returned."""

    process: subprocess.Popen
    ready: Any
    log: Path | None

    def log_tail(self, lines: int = 80) -> str:
        return log_tail(self.log, lines) if self.log else "(no log)"


@contextmanager
def started_process(
    argv: list[str],
    *,
    ready: str | Callable[[], Any] | None = None,
    log: Path | None = None,
    failure_log: Path | None = None,
    env: dict | None = None,
    cwd: Path | None = ROOT,
    timeout: float = 30.0,
    what: str | None = None,
) -> Iterator[Started]:
    """`argv` as a child in its own process group, its stdin closed and its output appended
    to `log` (else where the test's goes); stopped with all it forked afterwards.

    Before yielding, waits until `ready` holds (wait_for): a URL that must answer 2xx, or a
    callable. If the process exits first or does not come up within `timeout`, the test
    fails showing the end of `failure_log` (default: `log`).
    """
    output = log.open("ab") if log else None
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )
    finally:
        if output:
            output.close()
    try:
        check = answers(ready) if isinstance(ready, str) else ready
        result = None
        if check is not None:
            name = what or Path(argv[0]).name
            result = wait_for(process, check, log=failure_log or log, timeout=timeout, what=name)
        yield Started(process=process, ready=result, log=log)
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


def tool_executable(name: str, *, marker: str) -> Path:
    """The executable of a tool with its own cached virtualenv (`make <name>`,
    scripts/tool_venv.py), for the tests marked `marker`. Without it the test fails (never
    skips), saying how to install it."""
    spec = importlib.util.spec_from_file_location("tool_venv", ROOT / "scripts" / "tool_venv.py")
    assert spec and spec.loader
    installer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(installer)
    if installer.is_installed(name):
        return installer.executable(name)
    if os.environ.get("CI", "").lower() == "true":
        hint = f"CI=true: .ci/run runs `make test`, which runs `make {name}` first; read its output"
    else:
        hint = (
            f"Run `make {name}` (its own cached virtualenv: {installer.TOOLS[name].hint}), "
            f"or deselect these tests with -m 'not {marker}'"
        )
    pytest.fail(f"{name} is not installed in {installer.venv_dir(name)}. {hint}.", pytrace=False)


# --- Django served for real on a free port, and a Server-Sent Events reader -------------


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

    def serving() -> str | None:
        text = error_log.read_text() if error_log.exists() else ""
        found = re.search(r"Listening at: (http://\S+)", text)
        if not (found and "Booting worker" in text):
            return None
        httpx.get(f"{found.group(1)}/healthz", timeout=5).raise_for_status()
        return found.group(1)

    with started_process(
        command, ready=serving, failure_log=error_log, env=env, what="gunicorn"
    ) as web:
        yield web.ready


@contextmanager
def runserver(tmp_path: Path, env: dict) -> Iterator[str]:
    """`manage.py runserver` on a free port, its output in tmp_path/runserver.log."""
    address = f"127.0.0.1:{free_port()}"
    command = [sys.executable, "manage.py", "runserver", address, "--noreload"]
    log = tmp_path / "runserver.log"
    with started_process(command, ready=f"http://{address}/healthz", log=log, env=env):
        yield f"http://{address}"


ENTRYPOINT = (ROOT / "docker" / "entrypoint.sh").read_text()


@contextmanager
def asgi_web(tmp_path: Path, env: dict, *args: str, name: str = "web") -> Iterator[str]:
    """The web process as production runs it: gunicorn serving storycraft.asgi with the
    entry point's worker class, on a free port and with its own control socket; yields its
    base URL."""
    (worker_class,) = re.findall(r"--worker-class (\S+)", ENTRYPOINT)
    with gunicorn(
        tmp_path,
        env,
        "--worker-class",
        worker_class,
        "--logger-class",
        "storycraft.logs.GunicornLogger",
        *args,
        name=name,
        app="storycraft.asgi:application",
    ) as base_url:
        yield base_url


@contextmanager
def serve_test_web(tmp_path: Path, django_db_blocker, sora_emulator) -> Iterator[str]:
    """`asgi_web` on pytest-django's database, the emulator as provider, 1 s heartbeats."""
    with django_db_blocker.unblock():
        database_url = shared_database_url()
    env = served_env(
        tmp_path,
        database_url=database_url,
        LIVE_HEARTBEAT_SECONDS="1",
        OPENAI_BASE_URL=sora_emulator.base_url,
        OPENAI_API_KEY=sora_emulator.api_key,
    )
    with asgi_web(tmp_path, env) as base_url:
        yield base_url


@dataclass
class Event:
    event: str
    id: str | None
    data: str

    @property
    def job(self) -> dict:
        return json.loads(self.data)


class EventReader:
    """Reads an open `text/event-stream` response: events, and comment lines apart."""

    def __init__(self, response: httpx.Response):
        self.response = response
        self.comments: list[str] = []
        self._lines = response.iter_lines()

    def next_event(self, timeout: float = 10) -> Event:
        deadline = time.monotonic() + timeout
        fields: dict[str, list[str]] = {}
        for line in self._lines:
            if time.monotonic() > deadline:
                break
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
            elif line == "":
                if "data" in fields:
                    return Event(
                        event=fields.get("event", ["message"])[-1],
                        id=fields.get("id", [None])[-1],
                        data="\n".join(fields["data"]),
                    )
                fields = {}
            else:
                name, _, value = line.partition(":")
                fields.setdefault(name, []).append(value.removeprefix(" "))
        raise AssertionError(f"no event within {timeout} s (comments: {self.comments[-5:]})")

    def rest(self) -> list[str]:
        """Every line until the server ends the stream."""
        return list(self._lines)

    def wait_for_comment(self, text: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        for line in self._lines:
            if line.startswith(":") and line[1:].strip() == text:
                return
            if time.monotonic() > deadline:
                break
        raise AssertionError(f"no ': {text}' within {timeout} s")


# --- A second connection to the test database -------------------------------------------


@contextmanager
def admin_connection(dbname: str | None = None):
    """A second, autocommit psycopg connection to the server Django's connection uses, on
    its database unless `dbname` names another (to terminate sessions behind Django's back,
    or read statistics without opening a session on the test database)."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=dbname or db["NAME"],
        autocommit=True,
    ) as admin:
        yield admin
