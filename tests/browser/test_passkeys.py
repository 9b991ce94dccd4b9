"""Passkeys in a real browser: Chromium with a virtual authenticator (the DevTools protocol's
WebAuthn domain) registers a passkey on /account/passkeys after a password sign-in, signs out,
and signs in with the passkey through the hosted pages. The emulator verifies the registration
and the assertion for real (py_webauthn), against the origin Chromium reports."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.watch import OpenPage, Serve
from tests.demo import CHOICE_CLIENT, CHOICE_POOL, CHOICE_SECRET, PASSKEY_USER, PASSWORD, name_of
from tests.gateway.hooks import EmulatorHooks

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def _virtual_authenticator(page: Page) -> None:
    """A platform authenticator with user verification, that answers at once (no touch)."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    await cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }})


async def _signed_in(page: Page) -> None:
    await page.wait_for_url(lambda url: url.endswith("/"), wait_until="domcontentloaded")
    await expect(page.get_by_text(f"Signed in as {name_of(PASSKEY_USER)}")).to_be_visible()


async def test_register_a_passkey_then_sign_in_with_it(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    base = await serve_gateway(user_pool_id=CHOICE_POOL, client_id=CHOICE_CLIENT,
                               client_secret=CHOICE_SECRET, auth_flow="USER_AUTH",
                               public_origin="http://localhost:8000")
    watched = await open_page(base)
    page = watched.page
    await _virtual_authenticator(page)

    # A password sign-in first: the username, then the choice.
    await page.goto("/login")
    await page.get_by_label("Email or username").fill(PASSKEY_USER)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/login/choose-method")
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in with my password").click()
    await _signed_in(page)

    # Register a passkey: a sign-in a moment ago is recent enough.
    await page.goto("/account/passkeys")
    await expect(page.get_by_text("You have no passkeys yet.")).to_be_visible()
    await page.get_by_role("button", name="Add a passkey").click()
    await page.wait_for_url("**/account/passkeys?notice=passkey_added")
    await expect(page.get_by_text("Your passkey was added.")).to_be_visible()
    await expect(page.locator(".passkey")).to_have_count(1)

    # Sign out, and in again with the passkey alone. (Without autofill: the known-person
    # cookie is dropped, or the login form would offer the passkey at once; the next test.)
    await page.goto("/")
    await watched.context.clear_cookies(name="__Host-gw-known")
    await page.get_by_role("button", name="Sign out", exact=True).click()
    await page.wait_for_url("**/login?notice=signed_out")
    await page.get_by_label("Email or username").fill(PASSKEY_USER)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/login/choose-method")
    await page.get_by_role("button", name="Use a passkey").click()
    await page.wait_for_url("**/login/passkey")
    await page.get_by_role("button", name="Use my passkey").click()
    await _signed_in(page)
    answered = [c["challenge"] for c in await hooks.calls("RespondToAuthChallenge")][-2:]
    assert answered == ["SELECT_CHALLENGE", "WEB_AUTHN"]
    assert not watched.complaints, watched.complaints


async def test_passkey_autofill_on_the_login_form(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    """The browser signed in here before (its known-person cookie): the login form offers
    that person's passkeys in the username field (conditional mediation). Chromium's virtual
    authenticator answers such a request by itself, as a person picking the suggestion would."""
    base = await serve_gateway(user_pool_id=CHOICE_POOL, client_id=CHOICE_CLIENT,
                               client_secret=CHOICE_SECRET, auth_flow="USER_AUTH",
                               public_origin="http://localhost:8000")
    watched = await open_page(base)
    page = watched.page
    await _virtual_authenticator(page)
    # A first visit: no autofill (nobody known); sign in by password, add a passkey.
    await page.goto("/login")
    assert await page.locator("form[data-autofill]").count() == 0
    await page.get_by_label("Email or username").fill(PASSKEY_USER)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in with my password").click()
    await _signed_in(page)
    await page.goto("/account/passkeys")
    await page.get_by_role("button", name="Add a passkey").click()
    await page.wait_for_url("**/account/passkeys?notice=passkey_added")
    await page.goto("/")
    known = {c["name"] for c in await watched.context.cookies()}
    assert "__Host-gw-known" in known
    # Signing out lands on the login form, which now offers the passkey: the virtual
    # authenticator takes the offer, and the person is signed in with no name typed.
    await page.get_by_role("button", name="Sign out", exact=True).click()
    await _signed_in(page)
    answered = [c["challenge"] for c in await hooks.calls("RespondToAuthChallenge")][-1:]
    assert answered == ["WEB_AUTHN"]  # straight to the passkey: no choice was asked
    assert (await page.evaluate("document.cookie")) == ""  # every cookie HttpOnly
    assert not watched.complaints, watched.complaints
