"""docs/api.md's ``fetch`` walkthrough, run as written in Chromium from a page on the gateway's
origin: the app's page is served beside the gateway (as a reverse proxy would put it), the
page's code is the document's ``js fetch`` blocks, and the person is the test, answering
through ``askThePerson``."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Route

from tests.browser.watch import OpenPage, Serve
from tests.demo import TOTP_USER
from tests.gateway.hooks import EmulatorHooks
from tests.walkthrough import tagged

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

APP_PAGE = "<!doctype html><html lang=en><title>The app</title><h1>The app</h1></html>"


async def test_the_fetch_walkthrough_signs_in_from_a_same_origin_page(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    base = await serve_gateway()
    watched = await open_page(base)
    page = watched.page

    async def app(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html", body=APP_PAGE)

    await page.context.route(f"{base}/app/", app)
    await page.goto("/app/")

    asked: list[tuple[dict[str, Any], dict[str, Any] | None]] = []

    async def ask(challenge: dict[str, Any], error: dict[str, Any] | None) -> dict[str, str]:
        asked.append((challenge, error))
        if len(asked) == 1:
            return {"code": "12"}  # a typo: refused, and the same step is asked again
        return {"code": await hooks.totp(TOTP_USER)}

    await page.expose_function("askTheTest", ask)
    code = "\n".join(block.text for block in tagged("js fetch"))
    seen = await page.evaluate(f"""async () => {{
      const askThePerson = (challenge, error) => askTheTest(challenge, error ?? null);
      {code}
      return {{signedIn, session, signedOut, cookies: document.cookie}};
    }}""")

    assert [c["step"] for c, _ in asked] == ["authenticator-code", "authenticator-code"]
    assert asked[0][1] is None
    refused = asked[1][1]
    assert refused is not None
    assert (refused["code"], refused["field"]) == ("invalid_request", "code")
    assert seen["signedIn"]["user"]["username"] == TOTP_USER
    assert seen["signedIn"]["return_to"] == "/"
    assert seen["session"]["status"] == 200
    assert seen["session"]["body"]["user"]["username"] == TOTP_USER
    assert seen["signedOut"] == {"status": 204, "body": None}
    assert seen["cookies"] == ""  # HttpOnly: the page's script never saw a cookie
    assert {c["name"] for c in await page.context.cookies()} == set()
    # Chromium logs every 4xx a page fetched; the refused typo is the only one.
    assert [c for c in watched.complaints if "status of 400" not in c] == []
