"""The same verification link opened several times at the same moment (a double click,
a mail scanner and the person): verified once, welcome credits once. PostgreSQL, threads."""

import threading

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from accounts.tests.helpers import post
from accounts.tokens import email_verification_tokens, make_token
from testing import entries_of, person, wallet_of
from wallet.models import EntryKind
from wallet.services import grant_welcome_credits


def at_once(count: int, action) -> list:
    start = threading.Barrier(count)
    outcomes: list = []

    def run() -> None:
        try:
            start.wait()
            outcomes.append(action())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_a_link_clicked_at_once_verifies_and_grants_once(settings):
    settings.WELCOME_CREDITS_AFTER = "verification"
    settings.WELCOME_CREDITS = 200
    alice = person("alice", verified=False)
    token = make_token(email_verification_tokens, alice)

    statuses = at_once(
        8, lambda: post(Client(), "/auth/verify-email", {"token": token}).status_code
    )

    assert sorted(statuses) == [200] + [400] * 7
    assert User.objects.get(pk=alice.pk).email_verified
    assert len(entries_of(alice, EntryKind.WELCOME)) == 1
    assert wallet_of(alice).balance == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_welcome_grants_write_one_entry(settings):
    settings.WELCOME_CREDITS = 200
    alice = person("alice", verified=False)

    grants = at_once(8, lambda: grant_welcome_credits(user=alice).pk)

    assert len(set(grants)) == 1
    assert len(entries_of(alice, EntryKind.WELCOME)) == 1
    assert wallet_of(alice).balance == 200
