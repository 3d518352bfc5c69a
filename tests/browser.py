"""Browser fixtures: Playwright driving Debian's Chromium (no browser download is possible here).

A pytest plugin (listed in tests/conftest.py). Where no Chromium can be found the browser tests skip with the
reason; CI sets QUIDPRONO_REQUIRE_BROWSER=1 (and installs the `chromium` package), so there they fail instead.
`QUIDPRONO_CHROMIUM` points at another binary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

REQUIRE_BROWSER = os.environ.get("QUIDPRONO_REQUIRE_BROWSER") == "1"
# Flags for a closed network and a root user: no sandbox, no background calls home, a fresh profile each time.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = ViewportSize(width=360, height=740)
DESKTOP_VIEWPORT = ViewportSize(width=1280, height=800)


def find_chromium() -> str | None:
    """The Chromium binary to drive: QUIDPRONO_CHROMIUM, else Debian's `chromium` on the PATH."""
    configured = os.environ.get("QUIDPRONO_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        reason = "no Chromium found: install Debian's `chromium` package (or set QUIDPRONO_CHROMIUM) for browser tests"
        if REQUIRE_BROWSER:
            pytest.fail(reason + " (QUIDPRONO_REQUIRE_BROWSER=1: CI must not skip these tests)")
        pytest.skip(reason)
    return path


@pytest.fixture
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A desktop-sized page in a fresh context (its own cookies)."""
    context = await browser.new_context(viewport=DESKTOP_VIEWPORT)
    try:
        yield await context.new_page()
    finally:
        await context.close()
