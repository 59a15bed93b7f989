"""Forgotten passwords: a link by email (real SMTP), the same answer for every address,
and a new password that signs the account out everywhere."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.models import OrmQ

from accounts.tests.helpers import login, post
from accounts.tokens import email_verification_tokens, make_token, password_reset_tokens
from testing import PASSWORD, person

pytestmark = pytest.mark.django_db

LINK = "http://app.example/reset-password"
NEW_PASSWORD = "a brand new secret 77"


@pytest.fixture(autouse=True)
def _config(settings):
    settings.FRONTEND_URL = "http://app.example"
    settings.PASSWORD_RESET_TOKEN_HOURS = 1


def ask(client, committed, email="alice@example.com", **extra):
    with committed():
        return post(client, "/auth/password-reset", {"email": email}, **extra)


def confirm(client, token, password=NEW_PASSWORD):
    return post(client, "/auth/password-reset/confirm", {"token": token, "password": password})


def refresh(client, token):
    return post(client, "/auth/refresh", {"refresh": token})


def test_it_emails_a_link_that_sets_a_new_password(client, alice, smtp_server, committed):
    response = ask(client, committed)
    assert response.status_code == 202

    [message] = smtp_server.to("alice@example.com")
    assert message["Subject"] == "Reset your StoryCraft password"
    response = confirm(client, smtp_server.token("alice@example.com", LINK))

    assert response.status_code == 200
    assert login(client, password=NEW_PASSWORD).status_code == 200
    assert login(client, password=PASSWORD).status_code == 401


def test_it_answers_the_same_for_an_unknown_email(client, alice, smtp_server, committed):
    known = ask(client, committed, "alice@example.com")
    unknown = ask(client, committed, "nobody@example.com")

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    assert [message["To"] for message in smtp_server.messages] == ["alice@example.com"]


def test_the_request_does_the_same_work_for_an_unknown_email(client, alice, monkeypatch, committed):
    # With a real worker (not Q_SYNC) the request only queues a task; the account is looked
    # up there, so its timing tells nothing either.
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)
    with CaptureQueriesContext(connection) as known:
        ask(client, committed, "alice@example.com", REMOTE_ADDR="10.0.0.1")
    with CaptureQueriesContext(connection) as unknown:
        ask(client, committed, "nobody@example.com", REMOTE_ADDR="10.0.0.2")
    assert [_shape(q["sql"]) for q in known] == [_shape(q["sql"]) for q in unknown]
    assert not any("accounts_user" in q["sql"] for q in known)
    assert OrmQ.objects.count() == 2


def _shape(sql: str) -> str:
    return re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b", "?", sql)


def test_it_finds_the_account_in_any_case(client, alice, smtp_server, committed):
    ask(client, committed, " ALICE@Example.com ")
    assert len(smtp_server.to("alice@example.com")) == 1


def test_every_refresh_token_dies_with_the_reset(client, alice, smtp_server, committed):
    phone = login(client).json()["refresh"]
    laptop = login(client).json()["refresh"]
    ask(client, committed)

    confirm(client, smtp_server.token("alice@example.com", LINK))

    assert refresh(client, phone).status_code == 401
    assert refresh(client, laptop).status_code == 401
    assert (
        refresh(client, login(client, password=NEW_PASSWORD).json()["refresh"]).status_code == 200
    )


def test_a_link_works_once(client, alice, smtp_server, committed):
    ask(client, committed)
    token = smtp_server.token("alice@example.com", LINK)
    assert confirm(client, token).status_code == 200

    response = confirm(client, token, password="yet another secret 88")

    assert (response.status_code, response.json()["code"]) == (400, "token_invalid")
    assert login(client, password=NEW_PASSWORD).status_code == 200


def test_an_expired_link_is_refused(client, alice):
    generator = password_reset_tokens
    issued = generator._num_seconds(generator._now()) - 3600 - 1
    uid, _ = make_token(generator, alice).split(".")
    token = f"{uid}.{generator._make_token_with_timestamp(alice, issued, generator.secret)}"

    response = confirm(client, token)

    assert (response.status_code, response.json()["code"]) == (400, "token_invalid")
    assert login(client).status_code == 200


def test_a_weak_password_is_refused_and_the_link_still_works(client, alice):
    token = make_token(password_reset_tokens, alice)

    response = confirm(client, token, password="123")

    assert response.status_code == 400
    assert "password" in response.json()
    assert confirm(client, token).status_code == 200


def test_a_verification_token_does_not_reset(client, alice):
    response = confirm(client, make_token(email_verification_tokens, alice))
    assert (response.status_code, response.json()["code"]) == (400, "token_invalid")


def test_a_deactivated_account_gets_no_email(client, smtp_server, committed):
    person("alice", is_active=False)
    assert ask(client, committed).status_code == 202
    assert smtp_server.messages == []


def test_it_is_throttled_per_email_known_or_not(client, alice, smtp_server, committed):
    for email in ("alice@example.com", "nobody@example.com"):
        statuses = [
            ask(client, committed, email, REMOTE_ADDR=f"10.0.0.{n}").status_code for n in range(6)
        ]
        assert statuses == [202] * 5 + [429]
    assert len(smtp_server.to("alice@example.com")) == 5


def test_it_is_throttled_per_address(client, settings, committed):
    statuses = [ask(client, committed, f"user{n}@example.com").status_code for n in range(21)]
    assert statuses == [202] * 20 + [429]


def test_a_bad_email_is_a_field_error(client):
    response = post(client, "/auth/password-reset", {"email": "not-an-email"})
    assert response.status_code == 400
    assert "email" in response.json()
