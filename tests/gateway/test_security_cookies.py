"""Cookies (ASVS 3.4, RFC 6265bis prefixes) and tampering (ASVS 3.5.3).

Every Set-Cookie the gateway sends on the way through a sign-in is read as a browser would read
it; then forged, altered, expired, mis-purposed and retired cookies are sent back and must all
be treated exactly like no cookie at all, and cleared.
"""

from __future__ import annotations

from collections.abc import Callable

import itsdangerous.timed
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from gateway.security.signing import Purpose, Signing, Ticket
from tests.demo import PASSWORD, SIGNING_KEY
from tests.gateway.drivers import API_HEADERS, Driver, GatewayFactory, HtmlDriver, JsonDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import SetCookie, jar_value, set_cookies

SESSION_COOKIE = "__Host-gw-session"
FLOW_COOKIE = "__Host-gw-flow"
OLD_KEY = "old-signing-key-0123456789abcdefghijklmnop"
NEW_KEY = "new-signing-key-0123456789abcdefghijklmnop"


def assert_host_cookie(cookie: SetCookie) -> None:
    """What RFC 6265bis asks of a __Host- cookie, plus what ASVS 3.4 asks of a session cookie."""
    assert cookie.name.startswith("__Host-"), cookie
    assert "secure" in cookie.attributes, cookie
    assert "httponly" in cookie.attributes, cookie
    assert cookie.attributes.get("samesite", "").lower() in {"lax", "strict"}, cookie
    assert cookie.attributes.get("path") == "/", cookie
    assert "domain" not in cookie.attributes, cookie


async def sign_in_with_a_code(driver: Driver, hooks: EmulatorHooks) -> None:
    """choice-user: login, choose a method, a wrong code, the right code, then sign out."""
    step = await driver.login("choice-user", PASSWORD)
    assert step.view == "choose-mfa"
    step = await driver.answer(step, {"mfa_type": "EMAIL_OTP"})
    assert step.view == "email-code"
    wrong = await driver.answer(step, {"code": "000000"})
    assert wrong.error == "invalid_code"
    step = await driver.answer(wrong if wrong.page else step,
                               {"code": await hooks.latest_code("choice-user")})
    assert step.signed_in
    await driver.logout()


async def test_every_cookie_is_a_host_cookie_on_responses_nobody_caches(
    driver: HtmlDriver | JsonDriver, hooks: EmulatorHooks
) -> None:
    await sign_in_with_a_code(driver, hooks)

    setting = [r for r in driver.responses if set_cookies(r)]
    # A wrong code leaves the cookies alone; every other step sets or clears one.
    expected = {
        "html": ["GET /login", "POST /login", "POST /login/choose-mfa", "POST /login/email-code",
                 "POST /logout"],
        "json": ["POST /auth/login", "POST /auth/challenge", "POST /auth/challenge",
                 "POST /auth/logout"],
    }[driver.name]
    assert [f"{r.method} {r.url.path}" for r in setting] == expected
    for response in setting:
        assert response.headers["Cache-Control"] == "no-store", response.url
        for cookie in set_cookies(response):
            assert cookie.name in {SESSION_COOKIE, FLOW_COOKIE}
            assert_host_cookie(cookie)

    signed_in = next(r for r in setting
                     if any(c.name == SESSION_COOKIE and not c.clears for c in set_cookies(r)))
    # The pre-login flow cookie goes in the same response that sets the session.
    assert any(c.name == FLOW_COOKIE and c.clears for c in set_cookies(signed_in))

    logout = setting[-1]
    cleared = {c.name for c in set_cookies(logout) if c.clears}
    assert cleared == {SESSION_COOKIE, FLOW_COOKIE}
    assert logout.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'


# --- tampering --------------------------------------------------------------------------------


def flip(value: str, index: int) -> str:
    """The same cookie with one character changed, as a bit flip in transit or by hand."""
    replacement = "A" if value[index] != "A" else "B"
    return value[:index] + replacement + value[index + 1 :]


def signed_long_ago(keys: list[str], purpose: Purpose, seconds_ago: int) -> str:
    """A ticket signed correctly, but with a timestamp older than the cookie may be."""
    import time

    real_time = time.time

    class _Past:
        @staticmethod
        def time() -> float:
            return real_time() - seconds_ago

    original = itsdangerous.timed.time
    itsdangerous.timed.time = _Past  # type: ignore[assignment]
    try:
        return Signing(keys).sign_ticket(purpose, Ticket.new())
    finally:
        itsdangerous.timed.time = original


async def signed_in(gateway: TestClient) -> tuple[str, str]:
    """Sign password-user in through the pages; return the session cookie and the CSRF token
    of the signed-in page."""
    driver = HtmlDriver(gateway)
    step = await driver.login("password-user", PASSWORD)
    assert step.signed_in and step.page is not None
    session = jar_value(gateway, SESSION_COOKIE)
    assert session is not None
    return session, step.page.form("/logout").fields["csrf"]


async def with_cookie(
    gateway: TestClient, name: str, value: str, method: str, path: str,
    headers: dict[str, str] | None = None, data: dict[str, str] | None = None,
) -> ClientResponse:
    """One request carrying exactly this cookie and nothing else from the jar."""
    gateway.session.cookie_jar.clear()
    return await gateway.request(method, path, headers={"Cookie": f"{name}={value}",
                                                         **(headers or {})},
                                 data=data, allow_redirects=False)


Forgery = Callable[[str, str, str], str]
FORGERIES: dict[str, Forgery] = {
    # (genuine session cookie, a CSRF token, a flow cookie) -> the forged session cookie
    "flipped byte in the signature": lambda s, c, f: flip(s, len(s) - 3),
    "flipped byte in the id": lambda s, c, f: flip(s, 5),
    "flipped byte in the timestamp": lambda s, c, f: flip(s, s.rindex(".") - 2),
    "signature cut off": lambda s, c, f: s.rsplit(".", 1)[0],
    "expired signature": lambda s, c, f: signed_long_ago([SIGNING_KEY], Purpose.SESSION,
                                                         43200 + 60),
    "CSRF token as the session": lambda s, c, f: c,
    "flow ticket as the session": lambda s, c, f: f,
    "unknown id, signed by us": lambda s, c, f: Signing([SIGNING_KEY]).sign_ticket(
        Purpose.SESSION, Ticket.new()),
    "garbage": lambda s, c, f: "garbage",
}


async def test_every_forged_session_cookie_is_treated_as_none_and_cleared(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    session, csrf = await signed_in(gateway)
    gateway.session.cookie_jar.clear()  # a fresh browser: the login form hands out a flow
    flow_page = await gateway.get("/login", allow_redirects=False)
    flow = next(c.value for c in set_cookies(flow_page) if c.name == FLOW_COOKIE)

    # The genuine cookie works, so every refusal below is the forgery's doing.
    genuine = await with_cookie(gateway, SESSION_COOKIE, session, "GET", "/auth/session",
                                headers=API_HEADERS)
    assert genuine.status == 200

    answers = {}
    for label, forge in FORGERIES.items():
        forged = forge(session, csrf, flow)
        assert forged != session
        page = await with_cookie(gateway, SESSION_COOKIE, forged, "GET", "/")
        api = await with_cookie(gateway, SESSION_COOKIE, forged, "GET", "/auth/session",
                                headers=API_HEADERS)
        for response in (page, api):
            cleared = [c for c in set_cookies(response) if c.name == SESSION_COOKIE]
            assert cleared and cleared[0].clears, (label, response.url)
            assert_host_cookie(cleared[0])
        answers[label] = (page.status, page.headers.get("Location"), api.status,
                          (await api.json())["error"]["code"])

    # All alike: the same answer as a browser with no cookie at all would get.
    gateway.session.cookie_jar.clear()
    page = await gateway.get("/", allow_redirects=False)
    api = await gateway.get("/auth/session", headers=API_HEADERS)
    nothing = (page.status, page.headers.get("Location"), api.status,
               (await api.json())["error"]["code"])
    assert nothing == (303, "/login", 401, "not_signed_in")
    assert answers == dict.fromkeys(FORGERIES, nothing)

    # And the genuine session is untouched by all that.
    genuine = await with_cookie(gateway, SESSION_COOKIE, session, "GET", "/auth/session",
                                headers=API_HEADERS)
    assert genuine.status == 200


async def test_a_forged_flow_cookie_is_treated_as_none_and_cleared(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(gateway)
    step = await driver.login("totp-user", PASSWORD)
    assert step.view == "authenticator-code" and step.page is not None
    flow = jar_value(gateway, FLOW_COOKIE)
    assert flow is not None
    form = step.page.form("/login/authenticator-code").fields
    calls_before = len(await hooks.calls())

    for forged in (flip(flow, len(flow) - 3), flip(flow, 5),
                   signed_long_ago([SIGNING_KEY], Purpose.FLOW, 900 + 60),
                   Signing([SIGNING_KEY]).sign_ticket(Purpose.SESSION, Ticket.new()),
                   form["csrf"]):
        shown = await with_cookie(gateway, FLOW_COOKIE, forged, "GET", "/login/authenticator-code")
        assert (shown.status, shown.headers["Location"]) == (303, "/login")
        assert any(c.name == FLOW_COOKIE and c.clears for c in set_cookies(shown))
        answered = await with_cookie(
            gateway, FLOW_COOKIE, forged, "POST", "/login/authenticator-code",
            data={**form, "code": await hooks.totp("totp-user")},
        )
        # Refused unsent, like an answer whose flow is over (the form's own token is genuine,
        # so the person is sent to sign in again, not shown a dead end).
        assert answered.status == 303
        assert answered.headers["Location"] == "/login?notice=flow_expired"
        assert any(c.name == FLOW_COOKIE and c.clears for c in set_cookies(answered))
    assert len(await hooks.calls()) == calls_before  # nothing forged reached Cognito


# --- key rotation -----------------------------------------------------------------------------


@pytest.mark.parametrize("face", ["page", "api"])
async def test_a_retired_signing_key_stops_working_once_it_leaves_the_list(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    before = await make_gateway(secret_keys=OLD_KEY)
    session, _ = await signed_in(before)

    async def session_status(gateway: TestClient) -> tuple[int, list[SetCookie]]:
        if face == "page":
            response = await with_cookie(gateway, SESSION_COOKIE, session, "GET", "/")
            status = 200 if response.status == 200 else 401
        else:
            response = await with_cookie(gateway, SESSION_COOKIE, session, "GET",
                                         "/auth/session", headers=API_HEADERS)
            status = response.status
        return status, set_cookies(response)

    # Rotation under way: the new key signs, the old one is still listed and still accepted.
    during = await make_gateway(secret_keys=f"{OLD_KEY},{NEW_KEY}")
    assert (await session_status(during)) == (200, [])
    during.session.cookie_jar.clear()
    fresh = next(c.value for c in set_cookies(await during.get("/login"))
                 if c.name == FLOW_COOKIE)
    assert Signing([NEW_KEY]).read_ticket(Purpose.FLOW, fresh, 900) is not None
    assert Signing([OLD_KEY]).read_ticket(Purpose.FLOW, fresh, 900) is None

    # Rotation finished: the old key is dropped, and its cookies are refused and cleared.
    after = await make_gateway(secret_keys=NEW_KEY)
    status, cookies = await session_status(after)
    assert status == 401
    assert [c.name for c in cookies if c.clears] == [SESSION_COOKIE]
