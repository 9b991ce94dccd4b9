"""The one way the tests start a browser: Debian's headless Chromium, not a Playwright download.

The flags keep it from phoning home (updates, sync, field trials) and from needing a GPU or a
sandbox the test machine does not provide.

Playwright's objects belong to the event loop that started them, so :func:`chromium` must be
entered on the loop that will drive the browser: a session-loop fixture for a browser shared by
many tests (``tests/browser/conftest.py``), or the test's own loop for a browser one test uses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium on the running event loop, closed (with its Playwright) on exit."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()
