"""A phone-sized screen and a keyboard: the pages fit 320 CSS pixels without sideways scrolling,
and a whole TOTP sign-in (a wrong password included) and sign-out work with Tab, typing and
Enter alone, with a visible focus ring wherever Tab lands."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.steps import current_totp, expect_code_page, expect_signed_in
from tests.browser.watch import OpenPage, Serve
from tests.demo import PASSWORD, TOTP_USER
from tests.gateway.hooks import EmulatorHooks

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SMALL_SCREEN = {"width": 320, "height": 640}


async def _assert_fits(page: Page) -> None:
    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[1] == SMALL_SCREEN["width"], widths  # no vertical scrollbar ate the width
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths}"


async def _focused(page: Page) -> str:
    """The focused element's id, or its text when it has none (buttons)."""
    focused = "document.activeElement.id || document.activeElement.textContent.trim()"
    return str(await page.evaluate(focused))


async def _assert_focus_visible(page: Page) -> None:
    outline = await page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] != "none" and outline[1] != "0px", (await _focused(page), outline)


async def test_totp_sign_in_by_keyboard_on_a_320px_screen(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    watched = await open_page(await serve_gateway(), viewport=SMALL_SCREEN)
    page, keyboard = watched.page, watched.page.keyboard

    await page.goto("/login")
    await _assert_fits(page)
    assert await _focused(page) == "f-username"  # autofocus: the person can start typing
    await keyboard.type(TOTP_USER)
    await keyboard.press("Tab")
    assert await _focused(page) == "f-password"
    await _assert_focus_visible(page)
    await keyboard.type("Wrong-Passw0rd!")
    await keyboard.press("Enter")

    # Refused: focus on the error summary; the username is kept; Tab leads back into the form,
    # to the field the error is about: the password.
    await expect(page.locator("#error-summary")).to_be_focused()
    await _assert_fits(page)
    await keyboard.press("Tab")
    if await page.evaluate("document.activeElement.closest('#error-summary') !== null"):
        # The summary links its message to the field it is about; following the link is how a
        # keyboard user gets there.
        await keyboard.press("Enter")
    assert await _focused(page) == "f-password"
    assert await page.input_value("#f-username") == TOTP_USER
    await keyboard.type(PASSWORD)
    await keyboard.press("Enter")

    await expect_code_page(page)
    await _assert_fits(page)
    assert await _focused(page) == "f-code"
    await keyboard.type(await current_totp(hooks))
    await keyboard.press("Enter")

    await expect_signed_in(page)
    await _assert_fits(page)
    await keyboard.press("Tab")
    assert await _focused(page) == "Sign out"
    await _assert_focus_visible(page)
    await keyboard.press("Enter")
    await page.wait_for_url("**/login?notice=signed_out")
    await expect(page.get_by_role("status")).to_be_visible()
    assert watched.script_errors == [] and watched.violations == []
