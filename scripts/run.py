"""`make run`: print where things are, then start web, worker and (without a key) the emulator,
and (without a Stripe key) localstripe with two credit packs on sale.

honcho runs the Procfile's processes together and stops them all on Ctrl-C.
"""

import importlib.util
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def honcho_command(processes: list[str], *, procfile: Path = ROOT / "Procfile") -> list[str]:
    """honcho's argv. Its `--env` is /dev/null: honcho applies a `.env` over the environment
    it was started with, but settings already read `.env` into it with the environment
    winning (`WELCOME_CREDITS=500 make run`), and every process inherits that."""
    honcho = str(ROOT / ".venv" / "bin" / "honcho")
    return [honcho, "--no-colour", "--env", os.devnull, "start", "-f", str(procfile), *processes]


# Seeded on a first `make run` without a Stripe key (name, credits, price in USD).
SEED_PACKS = [("Starter", 500, "5.00"), ("Creator", 2500, "20.00")]


def _localstripe_venv() -> str:
    spec = importlib.util.spec_from_file_location("tool_venv", ROOT / "scripts" / "tool_venv.py")
    installer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(installer)
    return str(installer.install("localstripe"))  # `make run` installed it: a stat


def prepare_localstripe(settings, call_command) -> str:
    """Environment for the Procfile's localstripe process, and packs to buy; a line to print."""
    from payments.models import CreditPack

    if not settings.STRIPE_WEBHOOK_SECRET:
        # A .env written before payments existed: a secret for this run (web and
        # localstripe share it through the environment).
        settings.STRIPE_WEBHOOK_SECRET = "whsec_" + secrets.token_urlsafe(32)
        os.environ["STRIPE_WEBHOOK_SECRET"] = settings.STRIPE_WEBHOOK_SECRET
    os.environ["LOCALSTRIPE_PORT"] = str(settings.LOCALSTRIPE_PORT)
    os.environ["LOCALSTRIPE_PYTHON"] = str(Path(_localstripe_venv()) / "bin" / "python")
    if not CreditPack.objects.exists():
        for name, credits, price in SEED_PACKS:
            call_command("credit_pack", name, credits=credits, price=price, currency="usd")
    return f"localstripe at {settings.STRIPE_API_BASE} (no STRIPE_SECRET_KEY set; card 4242...)"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storycraft.settings")
    # Imported here: only now is the project on sys.path and its settings named.
    import django

    django.setup()  # loads .env into os.environ, never over what is already set

    from django.conf import settings
    from django.core.management import call_command

    port = os.environ.get("PORT", "8000")
    # honcho hands each process its own PORT (web 8000, worker 8100, ...): name ours apart.
    os.environ["WEB_PORT"] = port
    # Through honcho's pipes Python's output would be block-buffered: show lines as they come.
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    emulated = not settings.OPENAI_API_KEY
    call_command("ensure_superuser")
    base = f"http://127.0.0.1:{port}"
    provider = (
        f"the built-in Sora emulator at {settings.OPENAI_BASE_URL} (no OPENAI_API_KEY set)"
        if emulated
        else f"{settings.OPENAI_BASE_URL} (OPENAI_API_KEY set)"
    )
    payments = (
        prepare_localstripe(settings, call_command)
        if settings.STRIPE_EMULATED
        else f"Stripe at {settings.STRIPE_API_BASE}"
        if settings.STRIPE_SECRET_KEY
        else "off (no STRIPE_SECRET_KEY)"
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
                f"  Payments  {payments}",
                f"  Database  {database}; storage {settings.STORAGE_BACKEND}; "
                f"broker {'redis' if settings.REDIS_URL else 'database'}",
                "  Ctrl-C stops everything.",
                "",
            ]
        ),
        flush=True,
    )
    processes = ["web", "worker", "poller"] + (["emulator"] if emulated else [])
    processes += ["localstripe"] if settings.STRIPE_EMULATED else []
    command = honcho_command(processes)
    # honcho takes this process's place, so Ctrl-C reaches it and it stops every child.
    os.execv(command[0], command)  # noqa: S606


if __name__ == "__main__":
    main()
