from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from storycraft import health
from videos.schedules import SWEEPER_NAME


def test_healthz_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_storage_and_worker(client):
    Schedule.objects.filter(name=SWEEPER_NAME).update(next_run=timezone.now())
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": True, "storage": True, "worker": True},
    }


@pytest.mark.django_db
def test_a_stopped_worker_is_reported_without_leaving_rotation(client):
    Schedule.objects.filter(name=SWEEPER_NAME).update(
        next_run=timezone.now() - timedelta(minutes=10)
    )
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["worker"] is False


@pytest.mark.django_db
def test_readyz_is_503_when_storage_is_unusable(client, settings, tmp_path):
    not_a_folder = tmp_path / "media"
    not_a_folder.write_text("a file where the media folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": not_a_folder},
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] is False


def test_readyz_is_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "_database_ok", lambda: False)
    monkeypatch.setattr(health, "_storage_ok", lambda: True)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": False, "storage": True, "worker": False},
    }
