"""A support agent (staff in the `Support` group, not a superuser) in a real browser: log
in, grant credits, refund a stuck job, read the catalog without being able to change it.

Every page visited is saved under test-artifacts/screenshots/.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalog.models import CatalogModel
from testing import PASSWORD, api_for, available, order, person, support_staff
from videos.models import VideoJob
from wallet.models import EntryKind, LedgerEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, screenshot, user) -> None:
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_have_text("StoryCraft back office")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    screenshot("login")
    page.click("input[type=submit]")
    expect(page.locator("#support-dashboard")).to_be_visible()
    screenshot("dashboard")


def entries_since(user, before: int) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(wallet__user=user, pk__gt=before).order_by("pk"))


def last_entry_id() -> int:
    return LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_support_grants_credits_with_a_reason(browser_page, screenshot):
    page = browser_page
    sam = support_staff("sam")
    alice = person("alice", credits=100)
    before = last_entry_id()

    log_in(page, screenshot, sam)
    page.get_by_role("link", name="Users").first.click()
    screenshot("users")
    expect(page.locator("#result_list")).to_contain_text("alice@example.com")
    page.get_by_role("link", name="alice@example.com").click()
    expect(page.locator("#wallet-panel .wallet-available")).to_have_text("100")
    screenshot("user-page")

    page.locator(".object-tools").get_by_role("link", name="Grant or deduct credits").click()
    page.get_by_label("Grant credits").check()
    page.fill("#id_amount", "150")
    page.fill("#id_reason", "Compensation for the outage of 12 May")
    screenshot("grant-form")
    page.get_by_role("button", name="Record on the ledger").click()

    expect(page.locator(".messagelist")).to_contain_text("Staff grant of 150 credits")
    expect(page.locator("#wallet-panel .wallet-available")).to_have_text("250")
    expect(page.locator("#entries-panel")).to_contain_text("Compensation for the outage")
    screenshot("user-page-after-grant")

    [grant] = entries_since(alice, before)
    assert (grant.kind, grant.amount, grant.created_by, grant.note) == (
        EntryKind.GRANT,
        150,
        sam,
        "Compensation for the outage of 12 May",
    )
    assert available(alice) == 250


def test_support_refunds_a_stuck_job(browser_page, screenshot, sora_provider):
    page = browser_page
    sam = support_staff("sam")
    alice = person("alice", credits=500)
    # A real order the emulator is still working on, then left alone for half an hour.
    response = order(api_for(alice), prompt="A harbour at night, slowly [emulator:slow]")
    assert response.status_code == 201, response.content
    job = VideoJob.objects.get(pk=response.json()["id"])
    assert job.is_active
    VideoJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    assert available(alice) == 500 - job.cost
    before = last_entry_id()

    log_in(page, screenshot, sam)
    stuck = page.locator("#attention-jobs tr", has_text="Stuck jobs")
    expect(stuck.locator(".attention-count")).to_have_text("1")
    stuck.get_by_role("link").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    screenshot("stuck-jobs")
    # Status, charge, error and age are in view without scrolling sideways, on a laptop.
    page.set_viewport_size({"width": 1366, "height": 900})
    in_view = page.evaluate(
        """() => document.querySelector("#result_list th.column-age").getBoundingClientRect()
            .right <= document.querySelector(".results").getBoundingClientRect().right"""
    )
    assert in_view

    row = page.locator("#result_list tbody tr")
    expect(row.locator(".field-charge")).to_have_text(f"{job.cost} held")
    row.get_by_role("link", name="A harbour at night").click()
    screenshot("job-page")
    page.locator(".object-tools").get_by_role("link", name="Fail and refund").click()
    expect(page.locator("#content-main")).to_contain_text(f"{job.cost} credits held")
    screenshot("refund-confirmation")
    page.get_by_role("button", name="Fail and refund").click()

    expect(page.locator(".messagelist")).to_contain_text(f"{job.cost} credits refunded")
    expect(page.locator(".object-tools")).not_to_contain_text("Fail and refund")
    screenshot("job-page-after-refund")

    page.goto(f"/admin/accounts/user/{alice.pk}/change/")
    expect(page.locator("#wallet-panel .wallet-available")).to_have_text("500")
    expect(page.locator("#jobs-panel")).to_contain_text("Refunded")
    screenshot("user-page-after-refund")

    [release] = entries_since(alice, before)
    assert (release.kind, release.hold_id, release.created_by) == (
        EntryKind.RELEASE,
        job.hold_id,
        sam,
    )
    job.refresh_from_db()
    assert (job.status, job.charge_status) == ("failed", "refunded")
    assert available(alice) == 500


def test_support_reads_the_catalog_but_cannot_change_it(browser_page, screenshot):
    page = browser_page
    log_in(page, screenshot, support_staff("sam"))
    expect(page.locator("#support-dashboard")).not_to_contain_text("Worker tasks")
    page.get_by_role("link", name="Catalog models").click()
    screenshot("catalog")
    expect(page.locator(".object-tools")).not_to_contain_text("Add")
    page.get_by_role("link", name="sora-2", exact=True).click()
    screenshot("catalog-model")
    expect(page.locator("#content h1")).to_contain_text("View catalog model")
    expect(page.locator("input[name=_save]")).to_have_count(0)
    assert CatalogModel.objects.get(model_id="sora-2").enabled
