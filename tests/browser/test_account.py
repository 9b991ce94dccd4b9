"""The account journeys in a real browser: sign up, confirm with the emailed code (signed in by
the confirmation itself), the account page, change the password, sign out, and sign in with the
new password; at 320 px, keyboard-reachable, with no console error."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.watch import OpenPage, Serve
from tests.gateway.hooks import EmulatorHooks

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

EMAIL = "browser-person@elsewhere.example"  # not @example.com: the pool's trigger wants a code
FIRST, SECOND = "First-Passw0rd!", "Second-Passw0rd!"


async def _fits(page: Page) -> None:
    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths}"


async def test_sign_up_change_the_password_and_sign_in_with_it(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    base = await serve_gateway(
        user_pool_id="us-east-1_DemoSignUp1", client_id="10demosignupclient00000010",
        client_secret="10demosignupclientsecret000000000000000000000000010", sign_up="true",
        auth_flow="USER_AUTH", public_origin="http://localhost:8000")
    watched = await open_page(base, viewport={"width": 320, "height": 640})
    page = watched.page

    await page.goto("/login")
    await page.get_by_role("link", name="Create an account").click()
    await page.wait_for_url("**/signup")
    await _fits(page)
    await page.get_by_label("Email or username").fill(EMAIL)
    await page.get_by_label("Email address").fill(EMAIL)
    await page.get_by_label("Password", exact=True).fill(FIRST)
    await page.get_by_role("button", name="Create account").click()

    await page.wait_for_url("**/login/confirm-sign-up")
    await _fits(page)
    await page.get_by_label("Verification code").fill(await hooks.latest_code(EMAIL))
    await page.get_by_role("button", name="Verify").click()
    await page.wait_for_url(lambda url: url.endswith("/"), wait_until="domcontentloaded")
    await expect(page.get_by_role("heading", level=1)).to_have_text("You're signed in")

    await page.goto("/account")
    await _fits(page)
    await page.get_by_role("link", name="Change your password").click()
    await page.wait_for_url("**/account/password")
    await page.get_by_label("Current password").fill(FIRST)
    await page.get_by_label("New password", exact=True).fill(SECOND)
    await page.get_by_label("Confirm new password").fill(SECOND)
    await page.get_by_role("button", name="Change password").click()
    await page.wait_for_url("**/account?notice=password_changed")
    await _fits(page)

    await page.get_by_role("button", name="Sign out", exact=True).click()
    await page.wait_for_url("**/login?notice=signed_out")
    await page.get_by_label("Email or username").fill(EMAIL)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/login/choose-method")
    await page.get_by_label("Password", exact=True).fill(SECOND)
    await page.get_by_role("button", name="Sign in with my password").click()
    await page.wait_for_url(lambda url: url.endswith("/"), wait_until="domcontentloaded")
    await expect(page.get_by_role("heading", level=1)).to_have_text("You're signed in")
    assert not watched.complaints, watched.complaints
