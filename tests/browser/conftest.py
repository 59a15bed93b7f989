"""Playwright driving Debian's chromium against pytest-django's live server.

Browsers can't be downloaded by Playwright here, so the system's chromium is launched
by path. Without it the tests skip, except under CI=true where that is a failure.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


# Per module, not per session: Playwright's event loop must be gone before tests that
# run their own (async_to_sync refuses to run beside a running loop).
@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        reason = f"No chromium at {CHROMIUM}: apt-get install chromium chromium-driver"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and the browser tests cannot run. {reason}", pytrace=False)
        pytest.skip(reason)

    # Playwright's sync API keeps an event loop running in this thread; the tests' own
    # ORM calls are still plain synchronous code, which Django would otherwise refuse.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page(chromium, live_server, settings):
    # The live server speaks plain HTTP; production's secure cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request, browser_page):
    """Save a full-page screenshot of the page as it is now, numbered in visiting order."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^\w]+", "_", request.node.name)
    taken = []

    def take(name: str) -> Path:
        taken.append(name)
        path = SCREENSHOTS / f"{test_name}-{len(taken):02d}-{name}.png"
        browser_page.screenshot(path=str(path), full_page=True)
        return path

    return take
