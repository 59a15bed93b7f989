"""Run Django in a child process with an environment of our choosing."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

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


def run_python(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
