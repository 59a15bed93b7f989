"""Write .env from .env.example with fresh random secrets, unless .env already exists."""

import secrets
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
target = root / ".env"
if target.exists():
    sys.exit(0)
text = (root / ".env.example").read_text()
while "__generate__" in text:
    text = text.replace("__generate__", secrets.token_urlsafe(48), 1)
target.write_text(text)
target.chmod(0o600)
print("Wrote .env with fresh secrets.")
