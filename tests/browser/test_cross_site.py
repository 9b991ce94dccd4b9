"""Another site's page posting a form to the gateway's sign-out, in a real browser: the browser
sends what it really sends cross-site (no SameSite=Lax cookie, ``Sec-Fetch-Site: cross-site``),
the gateway refuses it, and nothing the site keeps in this browser is wiped: not the person's
session, not another application's cookie on the same host, not local storage."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web

from tests.browser.steps import expect_signed_in, submit_password
from tests.browser.watch import OpenPage, Serve
from tests.demo import PASSWORD, PASSWORD_USER, name_of

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SESSION_COOKIE = "__Host-gw-session"

# A page that posts a form to ``?to=`` as soon as it loads, as a hostile page would.
_AUTO_SUBMIT = """<!doctype html>
<html><head><title>You won</title></head><body>
<form id="forged" method="post" action="{action}"><input name="everywhere" value="1"></form>
<script>document.getElementById("forged").submit();</script>
</body></html>"""


@pytest_asyncio.fixture(loop_scope="session")
async def other_site() -> AsyncIterator[str]:
    """Another site: the gateway is served as ``localhost``, this page from ``127.0.0.1``, and
    the two names are different sites to a browser (cookies, Fetch Metadata), not only
    different origins."""

    async def forged(request: web.Request) -> web.Response:
        page = _AUTO_SUBMIT.format(action=html.escape(request.query["to"]))
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/forged", forged)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_another_sites_form_cannot_sign_out_or_wipe_the_site(
    serve_gateway: Serve, open_page: OpenPage, other_site: str
) -> None:
    gateway = await serve_gateway()
    watched = await open_page(gateway)
    page, context = watched.page, watched.context
    await page.goto("/login")
    await submit_password(page, PASSWORD_USER, PASSWORD)
    await expect_signed_in(page, name_of(PASSWORD_USER))
    # Another application on the same host keeps a cookie and local storage of its own.
    await context.add_cookies([{"name": "other-app", "value": "kept", "url": gateway}])
    await page.evaluate("() => localStorage.setItem('other-app', 'kept')")

    async with page.expect_response(f"{gateway}/logout") as answered:
        await page.goto(f"{other_site}/forged?to={gateway}/logout")
    response = await answered.value

    sent = await response.request.all_headers()
    assert sent["sec-fetch-site"] == "cross-site"
    assert SESSION_COOKIE not in sent.get("cookie", "")  # SameSite=Lax: not on this POST
    assert response.status == 403
    assert "clear-site-data" not in await response.all_headers()
    cookies = {cookie["name"] for cookie in await context.cookies(gateway)}
    assert {SESSION_COOKIE, "other-app"} <= cookies
    await page.goto("/")
    await expect_signed_in(page, name_of(PASSWORD_USER))
    assert await page.evaluate("() => localStorage.getItem('other-app')") == "kept"
