"""The desk on real uvicorn in a thread of the test, and headless Chromium logged in to it.

The scaffolding every browser test shares: each test keeps its own settings, accounts and people.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.helpers.sandbox_process import free_port

CHROMIUM = os.environ.get("DISTRIBUTOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def playwright_browser():
    """Headless Chromium through Playwright; the test is skipped without either."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        # launch() gives every run a fresh temporary profile of its own
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def served_desk_app(settings, engine) -> Iterator[str]:
    """The desk for ``settings`` and ``engine`` on a free 127.0.0.1 port; yields its base URL."""
    import uvicorn

    from distributor.sandbox.server import serving_in_thread
    from distributor.web import create_app

    config = uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=free_port(),
                            log_level="warning", lifespan="off")
    with serving_in_thread(config, "the web app") as url:
        yield url


def submit_login(page, email: str, password: str) -> None:
    """Fills and sends the desk's login form on ``page`` (already on it), as an editor would."""
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Log in')")


def logged_in_page(browser, desk_url: str, email: str, password: str, *, timeout: float = 15_000,
                   **context_options):
    """A fresh browser context (``context_options``: viewport, timezone_id, ...) logged in to the
    desk through its form; returns (context, page). Close the context when done."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(timeout)
    page.goto(desk_url + "/login")
    submit_login(page, email, password)
    return context, page
