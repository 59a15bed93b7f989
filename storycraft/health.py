"""Liveness and readiness probes for load balancers and orchestrators."""

import logging
import os
from datetime import timedelta

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

logger = logging.getLogger(__name__)

# The scheduler moves the sweeper's next run forward every minute while a worker is up.
WORKER_STALE_AFTER = timedelta(minutes=3)


def healthz(request):
    return JsonResponse({"status": "ok"})


def readyz(request):
    """503 when this process can't serve (database or storage down). A stopped worker is
    reported but does not take the web process out of rotation: orders still queue."""
    checks = {"database": _database_ok()}
    checks["storage"] = _storage_ok()
    checks["worker"] = checks["database"] and _worker_ok()
    ready = checks["database"] and checks["storage"]
    status = "ok" if ready and checks["worker"] else ("degraded" if ready else "unavailable")
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


def _worker_ok() -> bool:
    from django_q.models import Schedule

    from videos.schedules import SWEEPER_NAME

    next_run = Schedule.objects.filter(name=SWEEPER_NAME).values_list("next_run", flat=True).first()
    return next_run is not None and next_run >= timezone.now() - WORKER_STALE_AFTER
