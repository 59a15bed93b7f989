"""Write a settings file with fresh random secrets, never over one that exists.

    python3 scripts/write_env.py             # .env for `make run`, from .env.example
    python3 scripts/write_env.py --compose   # deploy.env for docker compose --env-file

The two never share a value: deploy.env is written from scratch, so a folder where
`make run` already wrote `.env` cannot hand its development secrets (or its DEBUG, or the
emulator's webhook secret) to a deployment.
"""

import argparse
import base64
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEPLOY_ENV = """\
# StoryCraft under docker compose: docker compose --env-file deploy.env up --build -d
# Written by scripts/write_env.py --compose with fresh secrets; nothing comes from .env.
# Keep it out of version control and out of the image (.gitignore, .dockerignore).
STORYCRAFT_DEPLOY=compose
DJANGO_SECRET_KEY={django_secret_key}
JWT_SECRET={jwt_secret}
POSTGRES_PASSWORD={postgres_password}
# Edit these before the first start. DOMAIN gets its certificate automatically (its DNS
# must point here, ports 80 and 443 open); ALLOWED_HOSTS names it too.
DOMAIN=api.example.com
ALLOWED_HOSTS=api.example.com
FRONTEND_ORIGINS=https://app.example.com
OPENAI_API_KEY=
# The whsec_... secret your provider shows for its webhook to https://<host>/webhooks/openai
# (empty: webhooks are refused and the poller does the work).
OPENAI_WEBHOOK_SECRET=
# Stripe (empty key: no credits are sold). The signing secret is the whsec_... that the
# dashboard shows for the endpoint https://<host>/webhooks/stripe (docs/payments.md).
STRIPE_SECRET_KEY=
STRIPE_PUBLISHABLE_KEY=
STRIPE_WEBHOOK_SECRET=
"""


def _write(target: Path, text: str) -> None:
    target.write_text(text)
    target.chmod(0o600)
    print(f"Wrote {target.name} with fresh secrets.")


def development_env() -> str:
    text = (ROOT / ".env.example").read_text()
    # One webhook secret, in the Standard Webhooks form: whsec_ + base64 of random bytes.
    text = text.replace(
        "__generate_whsec__", "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    )
    while "__generate__" in text:
        text = text.replace("__generate__", secrets.token_urlsafe(48), 1)
    return text


def deployment_env() -> str:
    return DEPLOY_ENV.format(
        django_secret_key=secrets.token_urlsafe(48),
        jwt_secret=secrets.token_urlsafe(48),
        postgres_password=secrets.token_hex(24),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compose", action="store_true", help="write deploy.env instead")
    parser.add_argument("--dir", type=Path, default=ROOT, help=argparse.SUPPRESS)
    options = parser.parse_args()
    target = options.dir / ("deploy.env" if options.compose else ".env")
    if target.exists():
        if options.compose:
            print(f"{target} exists; edit it, or remove it to start afresh.", file=sys.stderr)
        return 0
    _write(target, deployment_env() if options.compose else development_env())
    return 0


if __name__ == "__main__":
    sys.exit(main())
