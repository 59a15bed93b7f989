"""The accounts tests' fixtures: a real SMTP server, and running what waits for a commit."""

import pytest
from aiosmtpd.controller import Controller

from accounts.tests.helpers import Inbox
from testing import free_port


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free port, with Django's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), loop=None)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a request left for after its commit (the queued emails, under Q_SYNC the
    worker's task itself): `with committed(): client.post(...)`."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
