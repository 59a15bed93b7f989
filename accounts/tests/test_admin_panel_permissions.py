"""The user page shows another app's data only to staff who may view it on its own page:
wallet (wallet.view_wallet), spending and ledger (wallet.view_ledgerentry), jobs
(videos.view_videojob)."""

import pytest

from testing import person, support_agent, unfinished_job

pytestmark = pytest.mark.django_db

PANELS = {
    "wallet": 'class="wallet-balance"',
    "ledger": "last 20 ledger entries",
    "spending": "spending, last 30 days",
    "jobs": "last 10 video jobs",
}


def user_page(client, agent, user) -> str:
    client.force_login(agent)
    response = client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def alice():
    alice = person("alice", credits=300)
    unfinished_job(alice, cost=80)
    return alice


def shown(page: str) -> set[str]:
    return {name for name, marker in PANELS.items() if marker.lower() in page.lower()}


def test_view_user_alone_shows_no_wallet_ledger_or_jobs(client, alice):
    page = user_page(client, support_agent("viv", "accounts.view_user"), alice)
    assert alice.email in page
    assert shown(page) == set()
    assert "test setup" not in page and "/admin/videos/videojob/" not in page
    changelist = client.get("/admin/accounts/user/").content.decode()
    assert alice.email in changelist and "available credits" not in changelist.lower()


@pytest.mark.parametrize(
    ("permissions", "expected"),
    [
        (["wallet.view_wallet"], {"wallet"}),
        (["wallet.view_ledgerentry"], {"ledger", "spending"}),
        (["videos.view_videojob"], {"jobs"}),
        (
            ["wallet.view_wallet", "wallet.view_ledgerentry", "videos.view_videojob"],
            {"wallet", "ledger", "spending", "jobs"},
        ),
    ],
)
def test_each_panel_follows_its_permission(client, alice, permissions, expected):
    agent = support_agent("val", "accounts.view_user", *permissions)
    assert shown(user_page(client, agent, alice)) == expected


def test_a_superuser_sees_every_panel(client, admin_user, alice):
    assert shown(user_page(client, admin_user, alice)) == set(PANELS)
    changelist = client.get("/admin/accounts/user/").content.decode()
    assert "available credits" in changelist.lower()
