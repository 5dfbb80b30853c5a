"""Headless Chromium (Debian's package, driven by Playwright) against the live server.

`make test` installs /usr/bin/chromium when it is missing; CAIRN_CHROMIUM points elsewhere.
Screenshots of key pages are saved under test-artifacts/ (CAIRN_TEST_ARTIFACTS overrides).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CAIRN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("CAIRN_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "test-artifacts"))
# Without the background-networking flags Chromium keeps calling out to Google's hosts,
# which a closed network refuses, slowly.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, base_url):
    """Opens a page in a fresh browser context (its own cookies: one person per context)."""
    contexts = []

    def open_page(viewport=None):
        context = browser.new_context(base_url=base_url,
                                      viewport=viewport or {"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot(request):
    """Saves a full-page screenshot as a test artifact and returns its path."""
    def take(page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        test = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
        path = ARTIFACTS / f"{test}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        return path
    return take


@pytest.fixture
def staff_login(make_user):
    """Signs a new staff user in through the login form; returns the user."""
    def sign_in(page, email=None, *, admin=True, password="correct horse battery staple"):
        user, _ = make_user(email, admin=admin, password=password)
        page.goto("/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name=re.compile("sign in", re.I)).click()
        page.wait_for_load_state()
        return user
    return sign_in
