"""Every gateway session of one person, on both faces: several browsers (one cookie jar each)
on one gateway list each other, with this one marked ``current``; ending another makes its
next call 401 while this one stays; "sign out all other sessions"; another person's session
cannot be named; ending this browser's own session is signing out; the clear record beside
each session holds no token, and the Redis id is never handed out."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient

from gateway.session.about import browser_of, coarse_network, label
from gateway.web.api import OPENAPI
from tests.demo import PASSWORD, PASSWORD_USER
from tests.gateway.drivers import HtmlDriver, JsonDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.test_openapi import check
from tests.servers import RedisServer

CHROME_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36")
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")
EDGE_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                "Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0")
OTHER_PERSON = "alias@example.com"

Browser = Callable[..., Awaitable[JsonDriver]]


@pytest.fixture
async def browser(gateway: TestClient) -> AsyncIterator[Browser]:
    """Another browser on the same gateway: its own cookie jar (and User-Agent)."""
    opened: list[TestClient] = []

    async def open_browser(user_agent: str = CHROME_LINUX) -> JsonDriver:
        jar = CookieJar(unsafe=True, treat_as_secure_origin=[gateway.server.make_url("/")])
        client = TestClient(gateway.server, cookie_jar=jar)
        await client.start_server()
        opened.append(client)
        return JsonDriver(client, headers={"User-Agent": user_agent})

    yield open_browser
    for client in opened:  # their HTTP sessions only: the server belongs to the gateway fixture
        await client.session.close()


async def signed_in(driver: JsonDriver, username: str = PASSWORD_USER) -> JsonDriver:
    assert (await driver.login(username, PASSWORD)).signed_in
    return driver


async def sessions(driver: JsonDriver) -> list[dict[str, object]]:
    status, body = await driver.call("GET", "/auth/account/sessions")
    assert status == 200, body
    check(OPENAPI, "/auth/account/sessions", "get", status, body)  # as documented
    return list(body["sessions"])


async def session_status(driver: JsonDriver) -> int:
    status, _ = await driver.call("GET", "/auth/session")
    return status


def test_the_browser_label_and_the_network_are_coarse() -> None:
    assert label(*browser_of(CHROME_LINUX)) == "Chrome on Linux"
    assert label(*browser_of(FIREFOX_ANDROID)) == "Firefox on Android"
    assert label(*browser_of(SAFARI_IPHONE)) == "Safari on iOS"
    assert label(*browser_of(EDGE_WINDOWS)) == "Edge on Windows"
    assert label(*browser_of("curl/8.5.0")) is None
    assert label(*browser_of(None)) is None
    assert coarse_network("203.0.113.77") == "203.0.113.0/24"
    assert coarse_network("2001:db8:abcd:12:1:2:3:4") == "2001:db8:abcd::/48"
    assert coarse_network("::ffff:198.51.100.9") == "198.51.100.0/24"
    assert coarse_network(None) is None and coarse_network("not an address") is None


async def test_each_browser_sees_every_session_and_ends_another(
    hooks: EmulatorHooks, browser: Browser
) -> None:
    laptop = await signed_in(await browser(CHROME_LINUX))
    phone = await signed_in(await browser(FIREFOX_ANDROID))
    tablet = await signed_in(await browser(SAFARI_IPHONE))
    listed = await sessions(laptop)
    assert len(listed) == 3
    assert [s["current"] for s in listed] == [False, False, True]  # newest first
    assert [s["browser"] for s in listed] == ["Safari on iOS", "Firefox on Android",
                                              "Chrome on Linux"]
    now = time.time()
    for session in listed:
        assert set(session) == {"id", "current", "browser", "network", "started_at",
                                "last_seen_at"}
        assert session["network"] == "127.0.0.0/24"
        assert isinstance(session["id"], str) and len(session["id"]) == 22
        started, seen = session["started_at"], session["last_seen_at"]
        assert isinstance(started, int) and isinstance(seen, int)
        assert now - 60 <= started <= seen <= now + 1
    # The phone sees the same sessions, under the same ids, with itself as the current one.
    from_phone = await sessions(phone)
    assert {s["id"] for s in from_phone} == {s["id"] for s in listed}
    assert [s["browser"] for s in from_phone if s["current"]] == ["Firefox on Android"]

    phone_id = next(s["id"] for s in from_phone if s["current"])
    status, _ = await laptop.call("DELETE", f"/auth/account/sessions/{phone_id}")
    assert status == 204
    assert await session_status(phone) == 401
    assert await session_status(laptop) == 200
    assert await session_status(tablet) == 200
    assert [s["browser"] for s in await sessions(laptop)] == ["Safari on iOS", "Chrome on Linux"]
    # Ended already: nothing of this person goes by that id any more.
    status, body = await laptop.call("DELETE", f"/auth/account/sessions/{phone_id}")
    assert (status, body["error"]["code"]) == (404, "not_found")
    check(OPENAPI, "/auth/account/sessions/{id}", "delete", status, body)


async def test_sign_out_all_other_sessions_keeps_this_one(
    hooks: EmulatorHooks, browser: Browser
) -> None:
    laptop, phone, tablet = [await signed_in(await browser()) for _ in range(3)]
    colleague = await signed_in(await browser(), OTHER_PERSON)
    status, _ = await laptop.call("POST", "/auth/account/sessions/sign-out-others")
    assert status == 204
    assert [await session_status(d) for d in (laptop, phone, tablet)] == [200, 401, 401]
    assert await session_status(colleague) == 200  # nobody else is touched
    (only,) = await sessions(laptop)
    assert only["current"] is True
    # Cognito is not asked: the other sessions' refresh tokens are sealed away from here.
    assert await hooks.calls("RevokeToken") == []
    assert await hooks.calls("GlobalSignOut") == []


async def test_another_persons_session_cannot_be_ended(
    hooks: EmulatorHooks, browser: Browser
) -> None:
    mine = await signed_in(await browser())
    theirs = await signed_in(await browser(), OTHER_PERSON)
    (their_session,) = await sessions(theirs)
    assert {s["id"] for s in await sessions(mine)}.isdisjoint({their_session["id"]})
    for named in (their_session["id"], "A" * 22, "not-even-the-shape"):
        status, body = await mine.call("DELETE", f"/auth/account/sessions/{named}")
        assert (status, body["error"]["code"]) == (404, "not_found"), named
    assert await session_status(theirs) == 200
    # The page's form is the same walk through the person's own sessions: no effect.
    pages = HtmlDriver(mine.client)
    account = await pages.get("/account")
    action = f"/account/sessions/{their_session['id']}/end"
    response = await pages.post(action, {"csrf": account.form("/logout").fields["csrf"]})
    assert response.status == 303
    assert await session_status(theirs) == 200


async def test_ending_this_browsers_own_session_is_signing_out(
    hooks: EmulatorHooks, browser: Browser
) -> None:
    laptop, phone = await signed_in(await browser()), await signed_in(await browser())
    (own,) = [s for s in await sessions(laptop) if s["current"]]
    response = await laptop.client.delete(f"/auth/account/sessions/{own['id']}",
                                          headers=laptop.headers)
    assert response.status == 204
    assert "cookies" in response.headers["Clear-Site-Data"]
    assert await session_status(laptop) == 401
    assert await session_status(phone) == 200
    assert len(await sessions(phone)) == 1
    assert len(await hooks.calls("RevokeToken")) == 1  # its own refresh token: revoked


async def test_the_lists_need_a_session_and_the_api_rules(
    hooks: EmulatorHooks, browser: Browser
) -> None:
    stranger = await browser()
    status, body = await stranger.call("GET", "/auth/account/sessions")
    assert (status, body["error"]["code"]) == (401, "not_signed_in")
    status, body = await stranger.call("POST", "/auth/account/sessions/sign-out-others")
    assert (status, body["error"]["code"]) == (401, "not_signed_in")
    person = await signed_in(await browser())
    response = await person.client.post("/auth/account/sessions/sign-out-others")
    assert response.status == 403  # no X-CSRF header
    assert len(await sessions(person)) == 1


async def test_nothing_beside_a_session_holds_a_token_or_its_id(
    hooks: EmulatorHooks, browser: Browser, redis_server: RedisServer
) -> None:
    laptop = await signed_in(await browser())
    await signed_in(await browser(FIREFOX_ANDROID))
    listed = await sessions(laptop)
    with redis.Redis(port=redis_server.port) as r:
        keys = [key.decode() for key in r.scan_iter()]
        values = {key: r.dump(key) or b"" for key in keys}
        about = {key: r.get(key) for key in keys if key.startswith("gw:session-about:")}
        session_keys = [key for key in keys if key.startswith("gw:session:")]
        ttls = {key: r.ttl(key) for key in keys}
    assert len(about) == len(session_keys) == 2
    for key, blob in about.items():
        assert isinstance(blob, bytes)
        record = json.loads(blob)
        assert set(record) == {"started_at", "browser", "system", "network"}, record
        assert record["network"] == "127.0.0.0/24"
        # It lives no longer than its session can (the absolute cap), at least as long as
        # the session's current idle TTL.
        session_key = key.replace("gw:session-about:", "gw:session:")
        assert ttls[session_key] <= ttls[key] <= 43200
    # No token in clear anywhere (a JWT starts with base64 '{"'): sealed records only.
    assert not any(b"eyJ" in blob for blob in values.values())
    # The public ids are not the Redis ids, nor any part of a key.
    for session in listed:
        assert not any(str(session["id"]) in key for key in keys)


async def test_the_account_page_lists_and_ends_sessions(
    hooks: EmulatorHooks, browser: Browser
) -> None:
    here = await signed_in(await browser(CHROME_LINUX))
    other = await signed_in(await browser(FIREFOX_ANDROID))
    third = await signed_in(await browser(EDGE_WINDOWS))
    pages = HtmlDriver(here.client, headers={"User-Agent": CHROME_LINUX})
    account = await pages.get("/account")
    assert account.status == 200
    assert "Firefox on Android" in account.text and "Edge on Windows" in account.text
    assert "This browser" in account.text and 'href="/account/password"' in account.html
    assert "/account/passkeys" not in account.html  # no passkeys without GATEWAY_PUBLIC_ORIGIN
    ends = [f.action for f in account.forms if f.action.endswith("/end")]
    assert len(ends) == 2  # one per other session, none for this one
    (other_id,) = [s["id"] for s in await sessions(other) if s["current"]]
    response = await pages.submit(account, f"/account/sessions/{other_id}/end", {})
    assert (response.status, response.headers["Location"]) == (
        303, "/account?notice=session_ended")
    assert await session_status(other) == 401
    shown = await pages.get("/account?notice=session_ended")
    assert "That session was signed out." in shown.text
    response = await pages.submit(shown, "/account/sessions/sign-out-others", {})
    assert response.headers["Location"] == "/account?notice=other_sessions_ended"
    assert await session_status(third) == 401 and await session_status(here) == 200
    # A form without the page's token does nothing.
    forged = await pages.post("/account/sessions/sign-out-others", {"csrf": "forged"})
    assert forged.status == 403
    here.client.session.cookie_jar.clear()
    assert (await pages.get("/account")).headers["Location"] == "/login?return_to=/account"
