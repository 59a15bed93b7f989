"""Loaded by pytest before Django (``-p testing_env`` in pyproject.toml): picks the test
database and the environment every test run starts from. Beside testing.py, outside the
kernel: test plumbing is no part of the project package.

Tests run against PostgreSQL, the production database: DATABASE_URL when set, else the
server on 127.0.0.1:5432, else a throwaway server from the ``pgserver`` wheel. Under
CI=true an unreachable PostgreSQL is a loud failure, never a skip.
"""

import os
import secrets
import socket
import tempfile

LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _throwaway_postgres() -> str:
    import pgserver  # optional (requirements-dev): only when no PostgreSQL answers

    server = pgserver.get_server(tempfile.mkdtemp(prefix="storycraft-pg-"), cleanup_mode="stop")
    return server.get_uri()


def _choose_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        if not url.startswith(("postgres", "postgresql")):
            raise RuntimeError(f"Tests need PostgreSQL; DATABASE_URL is {url.split(':')[0]}.")
        return url
    if _answers("127.0.0.1", 5432):
        return LOCAL_URL
    if os.environ.get("CI", "").lower() == "true":
        raise RuntimeError(
            "CI=true and PostgreSQL does not answer on 127.0.0.1:5432 and DATABASE_URL is unset."
        )
    return _throwaway_postgres()


def _prepare_environment() -> None:
    os.environ["STORYCRAFT_DOTENV"] = os.devnull  # a developer's .env must not leak into tests
    os.environ["DATABASE_URL"] = _choose_database_url()
    # Real-looking secrets: settings refuse development secrets with DEBUG off.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("JWT_SECRET", secrets.token_urlsafe(48))
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("Q_SYNC", "true")
    # Tests pull a job until it finishes; the pull limit has its own tests.
    os.environ.setdefault("PULL_MIN_INTERVAL_SECONDS", "0")
    var_dir = os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="storycraft-var-"))
    os.makedirs(os.path.join(var_dir, "static"), exist_ok=True)


# Runs at import, which ``-p`` makes happen before pytest-django loads the settings.
_prepare_environment()
