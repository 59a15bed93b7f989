"""The web process: gunicorn with uvicorn workers (docker/entrypoint.sh, the Procfile)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storycraft.settings")
# Settings read it: no persistent database connections in per-request threads.
os.environ.setdefault("STORYCRAFT_ASGI", "true")
application = get_asgi_application()
