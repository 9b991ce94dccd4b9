"""The sign-ins of the devices and custom-auth work in a real browser, on a phone-sized screen:
"Remember this device" ticked on the code page, then a sign-in with no code at all (device
SRP) after signing out; and custom auth by an emailed code, a wrong code then the right one,
with no password asked."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.steps import submit_code, submit_password
from tests.browser.watch import OpenPage, Serve
from tests.demo import (
    CODE_CLIENT,
    CODE_POOL,
    CODE_SECRET,
    CODE_USER,
    DEVICE_ASK_CLIENT,
    DEVICE_ASK_POOL,
    DEVICE_ASK_SECRET,
    DEVICE_USER,
    PASSWORD,
    name_of,
)
from tests.gateway.hooks import EmulatorHooks

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SMALL_SCREEN = {"width": 320, "height": 640}


async def _fits(page: Page) -> None:
    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths}"


async def _signed_in(page: Page, name: str) -> None:
    await page.wait_for_url(lambda url: url.endswith("/"), wait_until="domcontentloaded")
    await expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()


async def test_a_remembered_browser_signs_in_again_without_a_code(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    base = await serve_gateway(user_pool_id=DEVICE_ASK_POOL, client_id=DEVICE_ASK_CLIENT,
                               client_secret=DEVICE_ASK_SECRET, remember_devices="ask")
    watched = await open_page(base, viewport=SMALL_SCREEN, color_scheme="dark")
    page = watched.page
    await page.goto("/login")
    await submit_password(page, DEVICE_USER, PASSWORD)
    await page.wait_for_url("**/login/authenticator-code")
    await _fits(page)
    await page.get_by_label("Remember this device").check()
    await submit_code(page, await hooks.totp(DEVICE_USER))
    await _signed_in(page, name_of(DEVICE_USER))
    cookies = {c["name"]: c for c in await watched.context.cookies()}
    device = cookies["__Host-gw-device"]
    assert device["httpOnly"] and device["secure"] and device["sameSite"] == "Lax"

    await page.get_by_role("button", name="Sign out", exact=True).click()
    await page.wait_for_url("**/login?notice=signed_out")
    await submit_password(page, DEVICE_USER, PASSWORD)
    # Device SRP in the same request: no code page on the way.
    await _signed_in(page, name_of(DEVICE_USER))
    visited = [c["challenge"] for c in await hooks.calls("RespondToAuthChallenge")][-3:]
    assert visited == ["PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"]
    assert not watched.complaints, watched.complaints


async def test_custom_auth_by_an_emailed_code(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    base = await serve_gateway(user_pool_id=CODE_POOL, client_id=CODE_CLIENT,
                               client_secret=CODE_SECRET, auth_flow="CUSTOM_AUTH")
    watched = await open_page(base, viewport=SMALL_SCREEN)
    page = watched.page
    await page.goto("/login")
    await expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    await page.get_by_label("Email or username").fill(CODE_USER)
    await page.get_by_role("button", name="Sign in").click()

    await page.wait_for_url("**/login/custom")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code we emailed you")
    await expect(page.get_by_text("We sent a code to c***@e***.")).to_be_visible()
    await _fits(page)
    code = await hooks.latest_code(CODE_USER)
    await page.get_by_label("Verification code").fill("000000" if code != "000000" else "111111")
    await page.get_by_role("button", name="Verify").click()

    # Asked again: the same page says the answer was not accepted, and how many tries are left.
    await page.wait_for_url("**/login/custom")
    await expect(page.locator("#error-summary")).to_contain_text("not accepted")
    await expect(page.get_by_text("2 tries left.")).to_be_visible()
    await _fits(page)
    await page.get_by_label("Verification code").fill(code)
    await page.get_by_role("button", name="Verify").click()
    await page.wait_for_url(lambda url: url.endswith("/"), wait_until="domcontentloaded")
    await expect(page.get_by_role("heading", level=1)).to_have_text("You're signed in")
    assert not watched.complaints, watched.complaints
