"""A TOTP sign-in through the hosted pages in headless Chromium, and what page JavaScript can
see along the way: no session cookie, nothing in web storage, no token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page

from tests.browser.steps import (
    current_totp,
    expect_code_page,
    expect_signed_in,
    submit_code,
    submit_password,
)
from tests.browser.watch import OpenPage, Serve
from tests.demo import PASSWORD, TOTP_USER
from tests.gateway.hooks import EmulatorHooks

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

FLOW_COOKIE = "__Host-gw-flow"
SESSION_COOKIE = "__Host-gw-session"

# Everything a script on the page could read to steal a sign-in.
_WHAT_SCRIPT_SEES = """() => ({
  cookie: document.cookie,
  localStorage: Object.keys(window.localStorage),
  sessionStorage: Object.keys(window.sessionStorage),
  html: document.documentElement.outerHTML,
})"""

# What an SPA's own script gets from the gateway: the user, never the tokens.
_FETCH_SESSION = """async () => {
  const reply = await fetch("/auth/session", {headers: {"X-CSRF": "1"}});
  return {status: reply.status, body: await reply.text()};
}"""


async def test_totp_user_signs_in_through_the_pages(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    page = (await open_page(await serve_gateway())).page
    await page.goto("/login")
    await submit_password(page, TOTP_USER, PASSWORD)
    await expect_code_page(page)
    await submit_code(page, await current_totp(hooks))
    await expect_signed_in(page)
    # The gateway really holds a session for this browser: the JSON face agrees.
    seen = await page.evaluate(_FETCH_SESSION)
    assert seen["status"] == 200
    assert json.loads(seen["body"])["user"]["username"] == TOTP_USER


async def _cookies(context: BrowserContext) -> dict[str, dict[str, Any]]:
    return {cookie["name"]: dict(cookie) for cookie in await context.cookies()}


async def _assert_script_sees_nothing(page: Page) -> None:
    seen = await page.evaluate(_WHAT_SCRIPT_SEES)
    where = page.url
    assert "gw-flow" not in seen["cookie"], where
    assert "gw-session" not in seen["cookie"], where
    assert seen["localStorage"] == [], where
    assert seen["sessionStorage"] == [], where
    assert "eyJ" not in seen["html"], where


def _assert_http_only(cookie: dict[str, Any]) -> None:
    # The cookie exists in the browser (so "script cannot see it" is not vacuous) and carries
    # every attribute the __Host- prefix and the BFF pattern require.
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True
    assert cookie["path"] == "/"
    assert cookie["sameSite"] == "Lax"
    assert cookie["domain"] == "localhost"  # host-only, as __Host- demands


async def test_page_javascript_reads_no_session_cookie_and_no_token(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    watched = await open_page(await serve_gateway())
    page, context = watched.page, watched.context

    await page.goto("/login")
    await _assert_script_sees_nothing(page)
    _assert_http_only((await _cookies(context))[FLOW_COOKIE])

    await submit_password(page, TOTP_USER, PASSWORD)
    await expect_code_page(page)
    await _assert_script_sees_nothing(page)
    _assert_http_only((await _cookies(context))[FLOW_COOKIE])

    await submit_code(page, await current_totp(hooks))
    await expect_signed_in(page)
    await _assert_script_sees_nothing(page)
    cookies = await _cookies(context)
    _assert_http_only(cookies[SESSION_COOKIE])
    assert FLOW_COOKIE not in cookies  # the pre-login flow ends with the sign-in

    # Even the API a page script may call answers with the user and nothing to steal.
    seen = await page.evaluate(_FETCH_SESSION)
    assert seen["status"] == 200
    assert json.loads(seen["body"])["user"]["username"] == TOTP_USER
    assert "eyJ" not in seen["body"]
    assert watched.complaints == []
