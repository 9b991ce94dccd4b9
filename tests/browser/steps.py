"""A person's moves on the hosted pages, found the way they find them: by label and button
text (the English catalog), not by CSS selectors."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.demo import TOTP_USER, name_of
from tests.gateway.hooks import EmulatorHooks

TOTP_USER_NAME = name_of(TOTP_USER)
CODE_PAGE = "/login/authenticator-code"


async def submit_password(page: Page, username: str, password: str) -> None:
    await page.get_by_label("Email or username").fill(username)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def submit_code(page: Page, code: str) -> None:
    await page.get_by_label("Verification code").fill(code)
    await page.get_by_role("button", name="Verify").click()


async def expect_code_page(page: Page) -> None:
    # "domcontentloaded", not "load": a third-party script that never finishes loading (the
    # collector, in one test) holds back the load event but not the person.
    await page.wait_for_url(f"**{CODE_PAGE}", wait_until="domcontentloaded")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )


async def expect_signed_in(page: Page, name: str = TOTP_USER_NAME) -> None:
    await page.wait_for_url(lambda url: url.endswith("/"), wait_until="domcontentloaded")
    await expect(page.get_by_role("heading", level=1)).to_have_text("You're signed in")
    await expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()


async def current_totp(hooks: EmulatorHooks) -> str:
    """The code the person's authenticator app would show now (the emulator knows the seed's
    secret; it accepts one 30 s step of drift, so a code read just before a step ends works)."""
    return await hooks.totp(TOTP_USER)
