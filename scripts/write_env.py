"""Write .env from .env.example with fresh random secrets, unless .env already exists."""

import base64
import secrets
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
target = root / ".env"
if target.exists():
    sys.exit(0)
text = (root / ".env.example").read_text()
# One webhook secret, in the Standard Webhooks form: whsec_ + base64 of random bytes.
text = text.replace(
    "__generate_whsec__", "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
)
while "__generate__" in text:
    text = text.replace("__generate__", secrets.token_urlsafe(48), 1)
target.write_text(text)
target.chmod(0o600)
print("Wrote .env with fresh secrets.")
