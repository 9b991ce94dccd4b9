"""The demo SPA (``demo_upstream/static/spa/``) in Chromium, the way the local stack serves it:
the demo upstream serves the files, the gateway relays ``/spa/`` to them on an anonymous route
without a token and ``/api/`` (WebSocket included) with the access token. The page signs in
through the JSON API, shows the user, calls the API and a WebSocket through the relay, signs
out; and no token is ever within reach of its script: not in a cookie it can read, not in web
storage, not in any response body or WebSocket frame it received, not in the DOM."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from playwright.async_api import Page, Response, WebSocket, expect

from demo_upstream.spa import CONTENT_SECURITY_POLICY
from tests.browser.watch import OpenPage, Serve, Watched
from tests.demo import PASSWORD, PASSWORD_USER, TOTP_USER, name_of
from tests.gateway.hooks import EmulatorHooks
from tests.servers import EmulatorProcess
from tests.upstream.support import running_upstream

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SMALL_SCREEN = {"width": 320, "height": 640}
# A JWT as a script could lift it: three base64url parts, the first a JSON header ("eyJ").
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# What the page's script could read to steal a sign-in.
WHAT_SCRIPT_SEES = """() => ({
  cookie: document.cookie,
  localStorage: Object.keys(window.localStorage),
  sessionStorage: Object.keys(window.sessionStorage),
  html: document.documentElement.outerHTML,
})"""
# The 401s the page asks for on purpose (am I signed in? / the API after signing out), which
# Chromium logs as console errors.
EXPECTED_REFUSALS = ("/auth/session", "/api/echo/hello")


@pytest_asyncio.fixture(loop_scope="session")
async def upstream(emulator: EmulatorProcess) -> AsyncIterator[TestServer]:
    async with running_upstream(emulator.url) as server:
        yield server


async def spa_gateway(serve_gateway: Serve, upstream: TestServer) -> str:
    base = str(upstream.make_url("/"))
    routes = {
        "/api/": {"url": base, "websocket": True},
        "/spa/": {"url": f"{base}public/spa/", "anonymous": True, "token": "none"},
    }
    return await serve_gateway(upstreams=json.dumps(routes))


class Received:
    """Every response body and WebSocket frame the page received, read as they arrive."""

    def __init__(self, page: Page) -> None:
        self.responses: list[Response] = []
        self._bodies: list[asyncio.Task[bytes]] = []
        self.frames: list[str] = []
        page.on("response", self._response)
        page.on("websocket", self._websocket)

    def _response(self, response: Response) -> None:
        self.responses.append(response)
        self._bodies.append(asyncio.ensure_future(response.body()))

    def _websocket(self, socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: self.frames.append(str(payload)))
        socket.on("framesent", lambda payload: self.frames.append(str(payload)))

    async def texts(self) -> dict[str, str]:
        """url -> body of every response (a 101 or 204 has none)."""
        bodies = await asyncio.gather(*self._bodies, return_exceptions=True)
        texts = {}
        for response, body in zip(self.responses, bodies, strict=True):
            if isinstance(body, BaseException):
                assert response.status in {101, 204}, (response.url, response.status, body)
                continue
            texts[f"{response.request.method} {response.url}"] = body.decode("utf-8", "replace")
        return texts


async def _assert_fits(page: Page) -> None:
    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths}"


async def _assert_focus_visible(page: Page) -> None:
    outline = await page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.id, s.outlineStyle, s.outlineWidth]; }")
    assert outline[1] != "none" and outline[2] != "0px", outline


async def _assert_script_sees_no_secret(page: Page) -> None:
    seen = await page.evaluate(WHAT_SCRIPT_SEES)
    assert "gw-session" not in seen["cookie"] and "gw-flow" not in seen["cookie"]
    assert seen["cookie"] == ""
    assert seen["localStorage"] == [] and seen["sessionStorage"] == []
    assert not JWT.search(seen["html"]) and "eyJ" not in seen["html"]


def _unexpected(watched: Watched) -> list[str]:
    return [c for c in watched.complaints
            if not ("status of 401" in c and c.rstrip(")").endswith(EXPECTED_REFUSALS))]


async def test_the_spa_signs_in_calls_the_api_and_never_sees_a_token(
    serve_gateway: Serve, open_page: OpenPage, upstream: TestServer
) -> None:
    base = await spa_gateway(serve_gateway, upstream)
    watched = await open_page(base, viewport=SMALL_SCREEN, color_scheme="dark")
    page = watched.page
    received = Received(page)

    loaded = await page.goto("/spa/")
    assert loaded is not None and loaded.status == 200
    # The upstream's own policy, which the gateway keeps on a relayed answer.
    assert loaded.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    await expect(page.get_by_label("Username")).to_be_focused()
    await expect(page.locator("#status")).to_have_text("You are not signed in.")
    await _assert_fits(page)
    # Dark mode is followed: a dark page with light text.
    colours = await page.evaluate(
        "() => [getComputedStyle(document.body).backgroundColor,"
        " getComputedStyle(document.body).color]")
    assert colours == ["rgb(13, 17, 23)", "rgb(230, 237, 243)"], colours

    await page.keyboard.type(PASSWORD_USER)
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Password")).to_be_focused()
    await _assert_focus_visible(page)
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")

    await expect(page.locator("#user-username")).to_have_text(PASSWORD_USER)
    await expect(page.locator("#user-name")).to_have_text(name_of(PASSWORD_USER))
    await expect(page.locator("#user-groups")).to_have_text("staff")
    await expect(page.locator("#session-ends")).to_contain_text("at the latest")
    await _assert_fits(page)

    await page.get_by_role("button", name="Call the API", exact=True).click()
    result = page.locator("#api-result")
    await expect(result).to_contain_text("HTTP 200")
    seen = json.loads((await result.text_content() or "").split("\n", 1)[1])
    assert (seen["token_use"], seen["username"], seen["groups"]) == (
        "access", PASSWORD_USER, ["staff"])

    await page.get_by_role("button", name="Open a WebSocket").click()
    socket = page.locator("#socket-result")
    await expect(socket).to_contain_text(f"Received: {seen['sub']}: hello from the SPA")
    await expect(socket).to_contain_text("Closed (1000)")
    await _assert_fits(page)
    await _assert_script_sees_no_secret(page)
    # The session cookie is there (so "script cannot read it" is not vacuous): HttpOnly.
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["__Host-gw-session"]["httpOnly"] is True

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.locator("#status")).to_have_text("Signed out.")
    await expect(page.get_by_label("Username")).to_be_visible()
    await page.get_by_role("button", name="Call the API anyway").click()
    await expect(page.locator("#anon-result")).to_have_text("HTTP 401: refused (not_signed_in)")
    assert await page.context.cookies() == []
    await _assert_script_sees_no_secret(page)

    texts = await received.texts()
    for method, path in [("GET", "/spa/"), ("GET", "/spa/app.js"), ("GET", "/spa/app.css"),
                         ("POST", "/auth/login"), ("GET", "/auth/session"),
                         ("GET", "/api/echo/hello")]:
        assert f"{method} {base}{path}" in texts, sorted(texts)
    assert any(seen["sub"] in frame for frame in received.frames), received.frames
    for where, text in [*texts.items(), *(("frame", f) for f in received.frames)]:
        assert not JWT.search(text), f"a token reached the page in {where}"
    assert _unexpected(watched) == []


async def test_the_spa_asks_for_the_code_step(
    serve_gateway: Serve, open_page: OpenPage, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    base = await spa_gateway(serve_gateway, upstream)
    watched = await open_page(base, color_scheme="light")
    page = watched.page
    await page.goto("/spa/")
    colours = await page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert colours == "rgb(255, 255, 255)"
    await page.get_by_label("Username").fill(TOTP_USER)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()

    code = page.get_by_label("Code")
    await expect(code).to_be_focused()
    await expect(page.locator("#step-hint")).to_contain_text("authenticator app")
    await code.fill("000000" if await hooks.totp(TOTP_USER) != "000000" else "111111")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("alert")).not_to_be_empty()  # refused: the same step again
    await expect(code).to_be_focused()
    await code.fill(await hooks.totp(TOTP_USER))
    await page.keyboard.press("Enter")
    await expect(page.locator("#user-username")).to_have_text(TOTP_USER)
    await expect(page.locator("#user-groups")).to_have_text("none")
    await expect(page.get_by_role("alert")).to_be_hidden()
    await _assert_script_sees_no_secret(page)
    # The refused code is a 400 Chromium logs; nothing else may complain.
    assert [c for c in _unexpected(watched) if "status of 400" not in c] == []
