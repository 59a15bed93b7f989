"""Liveness and readiness probes for load balancers and orchestrators.

The project checks what every process needs (database, storage); apps add their own
checks with `register_check` from their AppConfig.ready(), so this module imports no app.
"""

import logging
import os
from collections.abc import Callable

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)

# Checks added by apps, by name: each answers True when its part works. They are reported
# but never take the web process out of rotation.
_app_checks: dict[str, Callable[[], bool]] = {}


def register_check(name: str, check: Callable[[], bool]) -> None:
    """Report `check()` under `name` in /readyz (apps call this from AppConfig.ready())."""
    _app_checks[name] = check


def healthz(request):
    return JsonResponse({"status": "ok"})


def readyz(request):
    """503 when this process can't serve (database or storage down). A failing app check
    (a stopped worker) is reported but does not take the web process out of rotation:
    orders still queue."""
    checks = {"database": _database_ok(), "storage": _storage_ok()}
    ready = checks["database"] and checks["storage"]
    for name, check in _app_checks.items():
        # The apps' checks read the database: with it down they fail without being asked.
        checks[name] = checks["database"] and _app_check_ok(name, check)
    healthy = all(checks.values())
    status = "ok" if ready and healthy else ("degraded" if ready else "unavailable")
    return JsonResponse({"status": status, "checks": checks}, status=200 if ready else 503)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.exception("readiness: database check failed")
        return False


def _storage_ok() -> bool:
    try:
        if isinstance(default_storage, FileSystemStorage):
            os.makedirs(default_storage.location, exist_ok=True)
            return os.access(default_storage.location, os.W_OK)
        default_storage.exists(".readyz")  # S3: a HEAD that fails on bad credentials or bucket
        return True
    except Exception:
        logger.exception("readiness: storage check failed")
        return False


def _app_check_ok(name: str, check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        logger.exception("readiness: %s check failed", name)
        return False
