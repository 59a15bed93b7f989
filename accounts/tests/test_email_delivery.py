"""How account email leaves: files under var/mail without EMAIL_HOST, the SMTP server
otherwise, retried later when it refuses, never failing the request that asked for it."""

import ast
import logging

import pytest
from django_q.models import Schedule

from accounts import emails
from accounts.tests.helpers import post
from testing import PASSWORD, person, production_env, run_python

pytestmark = pytest.mark.django_db


def register(client, committed):
    with committed():
        return post(client, "/auth/register", {"email": "alice@example.com", "password": PASSWORD})


def test_without_email_host_messages_are_files_whose_path_is_logged(
    client, settings, tmp_path, committed, caplog
):
    settings.EMAIL_BACKEND = "accounts.mail.FileBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    with caplog.at_level(logging.INFO, logger="accounts.mail"):
        assert register(client, committed).status_code == 201

    [written] = (tmp_path / "mail").iterdir()
    text = written.read_text()
    assert "To: alice@example.com" in text
    assert "http://localhost:3000/verify-email?token=" in text
    assert str(written) in caplog.text


PRINT_EMAIL_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND, getattr(s, 'EMAIL_FILE_PATH', '-'), s.EMAIL_HOST, s.EMAIL_PORT)"
)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "accounts.mail.FileBackend {var}/mail  25"),
        (
            {"EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "587"},
            "django.core.mail.backends.smtp.EmailBackend - smtp.example.com 587",
        ),
    ],
)
def test_email_goes_where_the_environment_says(tmp_path, environment, expected):
    env = production_env(tmp_path, **environment)
    result = run_python(["manage.py", "shell", "-c", PRINT_EMAIL_SETTINGS], env)
    assert result.stdout.strip().splitlines()[-1] == expected.format(var=tmp_path), result.stderr


def test_a_refusing_server_fails_nothing_and_the_send_is_tried_again(
    client, smtp_server, committed
):
    smtp_server.refusing = True
    assert register(client, committed).status_code == 201
    assert smtp_server.messages == []
    [retry] = Schedule.objects.filter(func="accounts.tasks.send_account_email")
    assert retry.schedule_type == Schedule.ONCE
    kind, user_id, attempt = ast.literal_eval(retry.args)
    assert (kind, attempt) == (emails.VERIFY_EMAIL, 2)

    smtp_server.refusing = False
    assert emails.send_account_email(kind, user_id=user_id, attempt=attempt) == "sent"
    assert len(smtp_server.to("alice@example.com")) == 1


def test_the_last_attempt_gives_up_loudly(settings, smtp_server):
    settings.EMAIL_SEND_ATTEMPTS = 2
    alice = person("alice", verified=False)
    smtp_server.refusing = True
    with pytest.raises(Exception, match="451"):
        emails.send_account_email(emails.VERIFY_EMAIL, user_id=alice.pk, attempt=2)
    assert not Schedule.objects.filter(func="accounts.tasks.send_account_email").exists()


def test_an_unreachable_server_fails_nothing(client, settings, committed):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    assert register(client, committed).status_code == 201
    assert Schedule.objects.filter(func="accounts.tasks.send_account_email").exists()
