"""`make run`: print where things are, then start web, worker and (without a key) the emulator.

honcho runs the Procfile's processes together and stops them all on Ctrl-C.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storycraft.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402


def main() -> None:
    port = os.environ.get("PORT", "8000")
    # honcho hands each process its own PORT (web 8000, worker 8100, ...): name ours apart.
    os.environ["WEB_PORT"] = port
    emulated = not settings.OPENAI_API_KEY
    call_command("ensure_superuser")
    base = f"http://127.0.0.1:{port}"
    provider = (
        f"the built-in Sora emulator at {settings.OPENAI_BASE_URL} (no OPENAI_API_KEY set)"
        if emulated
        else f"{settings.OPENAI_BASE_URL} (OPENAI_API_KEY set)"
    )
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        "\n".join(
            [
                "",
                "StoryCraft is starting",
                f"  API       {base}/",
                f"  API docs  {base}/docs",
                f"  Admin     {base}/admin/   (make superuser for a staff account)",
                f"  Provider  {provider}",
                f"  Database  {database}; storage {settings.STORAGE_BACKEND}; "
                f"broker {'redis' if settings.REDIS_URL else 'database'}",
                "  Ctrl-C stops everything.",
                "",
            ]
        ),
        flush=True,
    )
    processes = ["web", "worker", "poller"] + (["emulator"] if emulated else [])
    honcho = str(ROOT / ".venv" / "bin" / "honcho")
    args = [honcho, "--no-colour", "start", "-f", str(ROOT / "Procfile"), *processes]
    # honcho takes this process's place, so Ctrl-C reaches it and it stops every child.
    os.execv(honcho, args)  # noqa: S606


if __name__ == "__main__":
    main()
