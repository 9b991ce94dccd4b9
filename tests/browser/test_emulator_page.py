"""The emulator's page (/_emulator/), as a developer reads it in a real browser: it fits a
320-pixel phone in light and dark mode, its codes are at least as large as the text around them,
and it keeps itself current in place (countdown, new messages, new TOTP codes) without a
navigation that would drop what the reader selected."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from playwright.async_api import Page

from tests.browser.watch import OpenPage
from tests.demo import PASSWORD, PUBLIC_CLIENT, SMS_USER, TOTP_USER
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import cognito_client

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SMALL_SCREEN = {"width": 320, "height": 640}
# One word no line break can split, to show the page wraps what callers chose rather than scroll.
LONG_USERNAME = "a-developer-with-a-remarkably-long-username-" + "x" * 40


async def _send_sms_code(hooks: EmulatorHooks) -> str:
    """Sign sms-user in with a password: the emulator "sends" a text-message code."""
    async with cognito_client(hooks.url) as cognito:
        await cognito.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH", ClientId=PUBLIC_CLIENT,
            AuthParameters={"USERNAME": SMS_USER, "PASSWORD": PASSWORD},
        )
    return await hooks.latest_code(SMS_USER)


async def _invite_long_username(hooks: EmulatorHooks) -> None:
    async with cognito_client(hooks.url) as cognito:
        await cognito.admin_create_user(
            UserPoolId="us-east-1_DemoPool01", Username=LONG_USERNAME,
            DesiredDeliveryMediums=["EMAIL"],
            UserAttributes=[{"Name": "email", "Value": "long.address.for.a.test@example.com"}],
        )


def _luminance(rgb: str) -> float:
    """Relative luminance of a computed ``rgb(r, g, b)`` colour."""
    channels = [int(part) / 255 for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


async def _text(page: Page, selector: str) -> str:
    return str(await page.locator(selector).first.text_content()).strip()


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_page_fits_a_phone_with_codes_no_smaller_than_its_text(
    open_page: OpenPage, hooks: EmulatorHooks, scheme: str
) -> None:
    await _send_sms_code(hooks)
    await _invite_long_username(hooks)
    watched = await open_page(hooks.url, viewport=SMALL_SCREEN, color_scheme=scheme)
    page = watched.page
    await page.goto("/_emulator/")
    await page.locator("#outbox tbody tr").nth(1).wait_for()

    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[1] == SMALL_SCREEN["width"], widths
    assert widths[0] <= widths[1], f"the emulator page scrolls sideways: {widths}"

    sizes: dict[str, Any] = await page.evaluate(
        """() => ({
          body: parseFloat(getComputedStyle(document.body).fontSize),
          cells: Array.from(document.querySelectorAll("td"),
                            (td) => parseFloat(getComputedStyle(td).fontSize)),
          codes: Array.from(document.querySelectorAll(".code"),
                            (code) => parseFloat(getComputedStyle(code).fontSize)),
        })"""
    )
    # Two authenticators (totp-user, choice-user) and two messages at least.
    assert len(sizes["codes"]) >= 4, sizes
    surrounding = max([sizes["body"], *sizes["cells"]])
    assert min(sizes["codes"]) >= surrounding, sizes

    colours = await page.evaluate(
        "() => [getComputedStyle(document.body).backgroundColor,"
        " getComputedStyle(document.body).color]"
    )
    background, text = (_luminance(colour) for colour in colours)
    if scheme == "dark":
        assert background < 0.05 < 0.5 < text, colours
    else:
        assert text < 0.05 < 0.5 < background, colours
    assert watched.complaints == []


async def test_the_page_updates_in_place_and_keeps_the_selection(
    open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    first_code = await _send_sms_code(hooks)
    watched = await open_page(hooks.url, viewport=SMALL_SCREEN)
    page = watched.page
    await page.goto("/_emulator/")
    # A marker that a navigation (a reload included) would wipe, and a selection on the code
    # the reader is about to copy.
    await page.evaluate(
        """() => {
          window.stillTheSamePage = true;
          const code = document.querySelector("#outbox tbody tr .code");
          const range = document.createRange();
          range.selectNodeContents(code);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
        }"""
    )
    assert await page.evaluate("() => getSelection().toString()") == first_code

    # The countdown moves by itself, within a second or so.
    countdown = "#authenticators tbody tr [data-field=left]"
    before = await _text(page, countdown)
    await page.wait_for_function(
        "(before) => document.querySelector("
        "'#authenticators tbody tr [data-field=left]').textContent.trim() !== before",
        arg=before, timeout=3000,
    )
    assert (await _text(page, countdown)).endswith(" s")

    # A new message appears at the top by itself.
    second_code = await _send_sms_code(hooks)
    await page.wait_for_function(
        "(code) => document.querySelector('#outbox tbody tr .code').textContent === code",
        arg=second_code, timeout=8000,
    )
    assert await page.locator("#outbox tbody tr").count() == 2
    sent = await page.locator("#outbox tbody tr time").first.text_content()
    assert sent and sent.count(":") == 2, sent  # the time it was sent, hh:mm:ss

    # The emulator's clock moves on a step: the page shows the new authenticator code.
    row = f'#authenticators tbody tr[data-key="us-east-1_DemoPool01/{TOTP_USER}"] .code'
    old_totp = await _text(page, row)
    await hooks.advance(30)
    deadline = time.monotonic() + 8
    while True:
        expected = await hooks.totp(TOTP_USER)
        shown = await _text(page, row)
        if shown == expected or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert shown == expected != old_totp

    assert await page.evaluate("() => window.stillTheSamePage") is True
    assert await page.evaluate("() => getSelection().toString()") == first_code
    assert watched.complaints == []
