"""Browser tests: Debian's chromium, headless, driven by Playwright against a live server.

Screenshots go to ``artifacts/screenshots/`` (or ``$HOTLINE_SCREENSHOTS``) for people to look at.
"""

import os
import shutil
from pathlib import Path

import pytest
from pytest_django.live_server_helper import LiveServer

# Playwright's sync API keeps an event loop running in the test's thread; the ORM calls the tests
# make between page steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(
    os.environ.get(
        "HOTLINE_SCREENSHOTS", Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
    )
)
# A closed network: without these, chromium keeps trying to reach its vendor's services.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def chromium():
    # One browser per test, not per session: a Playwright kept running across tests stopped the
    # serialized database from being restored for the next transactional test (after any other
    # test had run first, the second browser test found the migrations' data gone).
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium, live_server: LiveServer):
    """``open_page(size)`` → a fresh page (own cookies) of that viewport on the live server.

    Every page is watched for what the content security policy blocked: a test fails if any
    script, style or request of the pages it visited was refused.
    """
    contexts, blocked = [], []

    def open_(size=DESKTOP):
        context = chromium.new_context(viewport=size, base_url=live_server.url, locale="zh-CN")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                blocked.append(f"{page.url}: {m.text}")
                if "Content Security Policy" in m.text
                else None
            ),
        )
        return page

    yield open_
    for context in contexts:
        context.close()
    assert blocked == [], "blocked by the content security policy"


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def log_in(page, user, password: str = "x") -> None:
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def submit_in_portal(
    page, text: str, address: str, phone: str, order_type: str = "complaint"
) -> str:
    """Fill in and send the portal's form; the order number the citizen is shown."""
    page.goto("/portal/")
    page.select_option("select[name=order_type]", order_type)
    page.fill("textarea[name=text]", text)
    page.fill("input[name=address]", address)
    page.fill("input[name=caller_phone]", phone)
    page.click("main button[type=submit]")
    return page.inner_text("#order-number").strip()
