import uuid

import pytest

from testing import available, entries_of, person, unfinished_job
from wallet.models import EntryKind

pytestmark = pytest.mark.django_db


def credits_url(user) -> str:
    return f"/admin/accounts/user/{user.pk}/credits/"


def adjust(client, user, **form):
    data = {
        "operation": "grant",
        "amount": 25,
        "reason": "Sorry for the outage",
        "request_id": str(uuid.uuid4()),
        **form,
    }
    return client.post(credits_url(user), data)


def test_the_user_page_shows_wallet_entries_and_jobs(client, sam):
    alice = person("alice", credits=300)
    job = unfinished_job(alice, cost=80)
    response = client.get(f"/admin/accounts/user/{alice.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="wallet-balance">300<' in page
    assert 'class="wallet-reserved">80<' in page
    assert "<strong>220</strong>" in page
    assert "staff grant" in page and "test setup" in page
    assert f"/admin/videos/videojob/{job.pk}/change/" in page
    assert f"/admin/videos/videojob/{job.pk}/fail-and-refund/" in page
    assert credits_url(alice) in page


def test_the_user_list_shows_available_credits_without_a_query_per_user(
    client, sam, django_assert_max_num_queries
):
    for name in ["alice", "bob", "carol", "dave"]:
        person(name, credits=100 + len(name))
    with django_assert_max_num_queries(8):
        response = client.get("/admin/accounts/user/")
    assert response.status_code == 200
    assert b'<td class="field-available_credits">105</td>' in response.content


def test_it_grants_credits_recording_the_staff_member_and_reason(client, sam):
    alice = person("alice", credits=100)
    response = adjust(client, alice)
    assert response.status_code == 302
    assert response.url == f"/admin/accounts/user/{alice.pk}/change/"
    [grant] = entries_of(alice, EntryKind.GRANT)[-1:]
    assert (grant.amount, grant.note, grant.created_by) == (25, "Sorry for the outage", sam)
    assert available(alice) == 125


def test_a_double_submit_grants_once(client, sam):
    alice = person("alice", credits=100)
    request_id = str(uuid.uuid4())
    adjust(client, alice, request_id=request_id)
    adjust(client, alice, request_id=request_id)
    assert available(alice) == 125


def test_a_form_sent_again_with_other_values_moves_nothing(client, sam):
    # The browser's back button, a new amount, the old request id.
    alice = person("alice", credits=100)
    request_id = str(uuid.uuid4())
    adjust(client, alice, request_id=request_id)
    response = adjust(client, alice, request_id=request_id, operation="deduct", amount=40)
    assert response.status_code == 302
    assert available(alice) == 125
    assert [entry.amount for entry in entries_of(alice) if entry.created_by == sam] == [25]
    page = client.get(response.url).content.decode()
    assert "This form was already submitted; open it again to make another movement." in page


def test_it_deducts_but_never_below_zero(client, sam):
    alice = person("alice", credits=100)
    assert adjust(client, alice, operation="deduct", amount=30).status_code == 302
    response = adjust(client, alice, operation="deduct", amount=500)
    assert response.status_code == 200
    assert b"500 credits needed, 70 available" in response.content
    assert available(alice) == 70


def test_it_requires_a_reason(client, sam):
    alice = person("alice", credits=100)
    response = adjust(client, alice, reason="   ")
    assert response.status_code == 200
    assert b"required" in response.content
    assert available(alice) == 100


def test_staff_without_the_move_credits_permission_cannot_grant(client):
    alice = person("alice", credits=100)
    viewer = person("victor")
    viewer.is_staff = True
    viewer.save()
    client.force_login(viewer)
    assert adjust(client, alice).status_code == 403
    assert available(alice) == 100
