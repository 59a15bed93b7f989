import io

import pytest
from django.core.management import CommandError, call_command

from testing import entries_of, person, support_agent, support_staff, wallet_of
from wallet.models import EntryKind

pytestmark = pytest.mark.django_db


def grant(*args, **options) -> str:
    stdout = io.StringIO()
    call_command("grant_credits", *args, stdout=stdout, **options)
    return stdout.getvalue()


def test_it_grants_credits_with_the_reason():
    alice = person("alice", credits=100)
    output = grant("Alice@Example.com", "50", reason="Refund for ticket 7")
    assert "available now 150" in output
    [entry] = entries_of(alice, EntryKind.GRANT)[-1:]
    assert (entry.amount, entry.note, entry.created_by) == (50, "Refund for ticket 7", None)


def test_it_grants_once_with_a_key():
    alice = person("alice", credits=100)
    grant("alice@example.com", "50", reason="ticket 7", key="ticket:7")
    grant("alice@example.com", "50", reason="ticket 7", key="ticket:7")
    assert wallet_of(alice).available == 150


def test_it_requires_a_reason():
    person("alice")
    with pytest.raises(CommandError):
        grant("alice@example.com", "50")


def test_it_refuses_an_unknown_email():
    with pytest.raises(CommandError, match="No user"):
        grant("nobody@example.com", "50", reason="x")


def test_it_refuses_a_negative_amount():
    person("alice")
    with pytest.raises(CommandError, match="positive"):
        grant("alice@example.com", "-5", reason="x")


def test_it_records_who_granted_them():
    alice = person("alice", credits=100)
    sue = support_staff("sue")
    grant("alice@example.com", "50", reason="ticket 9", by="Sue@storycraft.test")
    [entry] = entries_of(alice, EntryKind.GRANT)[-1:]
    assert (entry.amount, entry.created_by) == (50, sue)


@pytest.mark.parametrize(
    "by", ["nobody@storycraft.test", "alice@example.com", "pat@storycraft.test"]
)
def test_it_refuses_a_by_who_may_not_grant(by):
    alice = person("alice", credits=100)
    support_agent("pat", "accounts.view_user")  # staff, without move_credits
    with pytest.raises(CommandError, match="--by"):
        grant("alice@example.com", "50", reason="ticket 9", by=by)
    assert wallet_of(alice).available == 100
