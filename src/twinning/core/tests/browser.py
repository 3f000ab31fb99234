"""What the browser tests share: Debian's chromium, a window per person, logging in, screenshots.

Playwright drives Debian's chromium (`make browser-deps`; no browser is downloaded) against
pytest-django's live server. The fixtures are imported by src/twinning/conftest.py, so every
app's test_browser.py can ask for `browser`, `open_browser`, `page` and `page_errors`. A module
changes the windows' language or size by defining its own `browser_context_options` fixture.

Screenshots go to bench/results/screens/ (git-ignored), or $TWINNING_SCREENSHOTS, for a person to
look at.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from twinning.accounts.models import User
from twinning.accounts.tests.factories import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 15_000
DEFAULT_SCREENS = Path(__file__).resolve().parents[4] / "bench" / "results" / "screens"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium for the module's tests; a missing chromium fails them, it never skips."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    # Playwright's sync API keeps an event loop running in this thread, which trips Django's
    # async-safety check whenever the test itself touches the ORM. Only for as long as it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_context_options() -> dict[str, Any]:
    """How each window is opened. The browser asks for English on purpose: the UI must still
    start in Chinese."""
    return {
        "locale": "en-US",
        "viewport": {"width": 1280, "height": 900},
        "accept_downloads": True,
    }


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught JavaScript errors of the test's pages (htmx, the map and the charts)."""
    return []


@pytest.fixture
def open_browser(
    browser: Browser,
    live_server: LiveServer,
    transactional_db: None,
    page_errors: list[str],
    browser_context_options: dict[str, Any],
) -> Iterator[Callable[[], Page]]:
    """Open a fresh browser window (its own cookies: another person at another computer)."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_server.url, **browser_context_options)
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        tab = context.new_page()
        tab.on("pageerror", lambda exc: page_errors.append(str(exc)))
        return tab

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_browser: Callable[[], Page]) -> Page:
    """A first window."""
    return open_browser()


def log_in(page: Page, user: User) -> None:
    """Sign in through the login form; the overview opens with the user's name in the menu."""
    page.goto("/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))  # the overview
    expect(page.locator(".usermenu .who")).to_contain_text(user.username)


def expect_message(page: Page, text: str) -> None:
    expect(page.locator("ul.messages")).to_contain_text(text)


def save_screenshot(page: Page, name: str, *, prefix: str) -> Path:
    """A full-page screenshot, <prefix>-<name>.png, in the screenshots folder."""
    folder = Path(os.environ.get("TWINNING_SCREENSHOTS") or DEFAULT_SCREENS)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{prefix}-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path
