"""Session lifecycle: fixation (ASVS 3.2.1), id entropy (3.2.2), idle and absolute timeouts
(3.3.2) and logout (3.3.1), shown through HTTP, the Redis records and the emulator's call log."""

from __future__ import annotations

import asyncio
import base64
import time

import pytest
from aiohttp import ClientResponse, CookieJar
from aiohttp.test_utils import TestClient
from botocore.exceptions import ClientError

from cognito_srp import secret_hash
from tests.demo import (
    CLIENT,
    PASSWORD,
    SECRET,
    environment,
)
from tests.gateway.drivers import API_HEADERS, GatewayFactory, HtmlDriver, JsonDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.html import error_code
from tests.gateway.observe import (
    CognitoTraffic,
    RedisView,
    cognito_client,
    cookie_ticket_id,
    jar_value,
    set_cookies,
)
from tests.servers import EmulatorProcess, RedisServer

SESSION_COOKIE = "__Host-gw-session"
FLOW_COOKIE = "__Host-gw-flow"

Face = HtmlDriver | JsonDriver


async def session_alive(client: TestClient, cookie: str) -> bool:
    """Whether a browser still holding this session cookie is signed in."""
    client.session.cookie_jar.clear()
    response = await client.get("/auth/session",
                                headers={"Cookie": f"{SESSION_COOKIE}={cookie}", **API_HEADERS})
    assert response.status in {200, 401}
    return response.status == 200


# --- fixation ---------------------------------------------------------------------------------


async def test_a_planted_flow_is_deleted_and_sign_in_gets_a_new_id(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, redis_server: RedisServer
) -> None:
    # The attacker starts a sign-in of their own and holds its flow cookie X.
    attacker = HtmlDriver(await make_gateway())
    attacker_step = await attacker.login("totp-user", PASSWORD)
    assert attacker_step.view == "authenticator-code"
    planted = jar_value(attacker.client, FLOW_COOKIE)
    assert planted is not None
    planted_id = cookie_ticket_id(planted)

    # X lands in the victim's browser, who then signs in as themselves.
    victim = HtmlDriver(await make_gateway())
    victim.client.session.cookie_jar.update_cookies(
        {FLOW_COOKIE: planted}, response_url=victim.client.make_url("/"))
    async with RedisView(redis_server.url) as redis:
        assert await redis.exists("flow", planted_id)
        step = await victim.login("password-user", PASSWORD)
        assert step.signed_in
        assert not await redis.exists("flow", planted_id)

        session = jar_value(victim.client, SESSION_COOKIE)
        assert session is not None
        flow_ids = {cookie_ticket_id(c.value) for r in victim.responses
                    for c in set_cookies(r) if c.name == FLOW_COOKIE and c.value}
        assert cookie_ticket_id(session) not in flow_ids | {planted_id}
        assert await redis.exists("session", cookie_ticket_id(session))

    # X is dead for the attacker too: the answer goes nowhere near Cognito.
    calls = len(await hooks.calls())
    answered = await attacker.answer(attacker_step, {"code": await hooks.totp("totp-user")})
    assert answered.view == "login" and not answered.signed_in
    assert len(await hooks.calls()) == calls


async def test_signing_in_again_replaces_the_session_the_browser_carried(
    gateway: TestClient, hooks: EmulatorHooks, redis_server: RedisServer
) -> None:
    # A session id X sits in the browser (planted, or left over from an earlier sign-in).
    driver = JsonDriver(gateway)
    assert (await driver.login("password-user", PASSWORD)).signed_in
    planted = jar_value(gateway, SESSION_COOKIE)
    assert planted is not None

    step = await driver.login("email-user", PASSWORD)
    assert step.view == "email-code"
    step = await driver.answer(step, {"code": await hooks.latest_code("email-user")})
    assert step.signed_in
    replaced = jar_value(gateway, SESSION_COOKIE)
    assert replaced is not None and cookie_ticket_id(replaced) != cookie_ticket_id(planted)

    async with RedisView(redis_server.url) as redis:
        assert not await redis.exists("session", cookie_ticket_id(planted))
    assert not await session_alive(gateway, planted)
    assert await session_alive(gateway, replaced)


# --- entropy ----------------------------------------------------------------------------------


async def test_ids_are_unique_and_carry_at_least_128_bits(
    driver: Face, hooks: EmulatorHooks
) -> None:
    for _ in range(25):  # a new browser each time: flow and session ids are all fresh
        driver.client.session.cookie_jar.clear()
        assert (await driver.login("password-user", PASSWORD)).signed_in
    ids = [cookie_ticket_id(c.value) for r in driver.responses for c in set_cookies(r)
           if c.value and c.name in {SESSION_COOKIE, FLOW_COOKIE}]
    assert len(ids) >= 25
    assert len(set(ids)) == len(ids)
    for record_id in ids:
        assert len(base64.urlsafe_b64decode(record_id + "=" * (-len(record_id) % 4))) >= 16


# --- timeouts ---------------------------------------------------------------------------------

IDLE, ABSOLUTE = 2, 4  # seconds; far below what GATEWAY_* allows, to keep the test short


async def test_idle_timeout_slides_and_the_absolute_cap_ends_even_a_busy_session(
    make_gateway: GatewayFactory, emulator: EmulatorProcess, redis_server: RedisServer,
    hooks: EmulatorHooks,
) -> None:
    from gateway.config import load_settings

    settings = load_settings(environment(emulator, redis_server))
    settings = settings.model_copy(update={"lifetimes": settings.lifetimes.model_copy(
        update={"session_idle": IDLE, "session_absolute": ABSOLUTE},
    )})
    busy, idle = JsonDriver(await make_gateway(settings)), JsonDriver(await make_gateway(settings))
    assert (await idle.login("password-user", PASSWORD)).signed_in
    assert (await busy.login("password-user", PASSWORD)).signed_in
    started = time.monotonic()
    busy_id = cookie_ticket_id(jar_value(busy.client, SESSION_COOKIE) or "")

    async with RedisView(redis_server.url) as redis:

        async def ttl_within_limits() -> None:
            left = ABSOLUTE - (time.monotonic() - started)
            ttl = await redis.ttl_ms("session", busy_id)
            assert ttl == -2 or ttl <= min(IDLE, left) * 1000 + 50  # -2: already gone

        async def keep_busy() -> list[tuple[float, int]]:
            seen = []
            while time.monotonic() - started < ABSOLUTE + 1:
                await asyncio.sleep(0.3)
                status, _ = await busy.call("GET", "/auth/session")
                seen.append((time.monotonic() - started, status))
                await ttl_within_limits()
                if status == 401:
                    break
            return seen

        async def stay_idle() -> int:
            await asyncio.sleep(IDLE + 0.3)
            status, _ = await idle.call("GET", "/auth/session")
            return status

        busy_seen, idle_status = await asyncio.gather(keep_busy(), stay_idle())

    assert idle_status == 401  # idle past the timeout: gone
    alive = [at for at, status in busy_seen if status == 200]
    ended = [at for at, status in busy_seen if status == 401]
    assert max(alive) > IDLE + 0.3  # activity kept it past the idle timeout
    assert ended and ended[0] <= ABSOLUTE + 0.1  # but not past the cap
    assert all(status == 401 for at, status in busy_seen if at >= ended[0])


# --- logout -----------------------------------------------------------------------------------


async def log_out(driver: Face, *, everywhere: bool = False) -> ClientResponse:
    if isinstance(driver, HtmlDriver):
        page = await driver.get("/")
        fields = page.form("/logout").fields
        return await driver.post("/logout", {**fields, **({"everywhere": "1"} if everywhere
                                                            else {})})
    await driver.call("POST", "/auth/logout", {"everywhere": everywhere})
    return driver.responses[-1]


def assert_signed_out(driver: Face, response: ClientResponse, *, everywhere: bool = False) -> None:
    if isinstance(driver, HtmlDriver):
        # Signing out everywhere confirms it in other words than a sign-out here.
        notice = "signed_out_everywhere" if everywhere else "signed_out"
        assert (response.status, response.headers["Location"]) == (303,
                                                                    f"/login?notice={notice}")
    else:
        assert response.status == 204
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert any(c.name == SESSION_COOKIE and c.clears for c in set_cookies(response))


async def test_logout_deletes_the_session_then_revokes_the_refresh_token(
    driver: Face, hooks: EmulatorHooks, redis_server: RedisServer
) -> None:
    traffic = CognitoTraffic(driver.client)
    assert (await driver.login("password-user", PASSWORD)).signed_in
    cookie = jar_value(driver.client, SESSION_COOKIE)
    assert cookie is not None
    (_, reply), = [r for r in traffic.replies if r[1].get("AuthenticationResult")]
    tokens = reply["AuthenticationResult"]

    async with cognito_client(hooks.url) as cognito:
        await cognito.get_user(AccessToken=tokens["AccessToken"])  # live before sign-out

        # Slow down RevokeToken, and look at Redis while the gateway waits for it.
        await hooks.fault("RevokeToken", latency_ms=400)
        logging_out = asyncio.create_task(log_out(driver))
        async with RedisView(redis_server.url) as redis:
            deadline = time.monotonic() + 5
            while not await hooks.calls("RevokeToken"):
                assert time.monotonic() < deadline, "RevokeToken never reached Cognito"
                await asyncio.sleep(0.01)
            assert not await redis.exists("session", cookie_ticket_id(cookie))
        response = await logging_out

        assert_signed_out(driver, response)
        assert not await session_alive(driver.client, cookie)
        (revoke,) = await hooks.calls("RevokeToken")
        assert revoke["error"] is None
        with pytest.raises(ClientError) as refused:
            await cognito.initiate_auth(
                AuthFlow="REFRESH_TOKEN_AUTH", ClientId=CLIENT,
                AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"],
                                "SECRET_HASH": secret_hash("password-user", CLIENT, SECRET)},
            )
        assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
        with pytest.raises(ClientError):
            await cognito.get_user(AccessToken=tokens["AccessToken"])


async def test_sign_out_everywhere_is_a_global_sign_out(
    driver: Face, hooks: EmulatorHooks
) -> None:
    traffic = CognitoTraffic(driver.client)
    assert (await driver.login("password-user", PASSWORD)).signed_in
    cookie = jar_value(driver.client, SESSION_COOKIE)
    assert cookie is not None
    (access_token,) = [r["AuthenticationResult"]["AccessToken"] for _, r in traffic.replies
                       if r.get("AuthenticationResult")]

    response = await log_out(driver, everywhere=True)

    assert_signed_out(driver, response, everywhere=True)
    assert not await session_alive(driver.client, cookie)
    assert [c["error"] for c in await hooks.calls("GlobalSignOut")] == [None]
    assert await hooks.calls("RevokeToken") == []
    async with cognito_client(hooks.url) as cognito:
        with pytest.raises(ClientError) as refused:
            await cognito.get_user(AccessToken=access_token)
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


async def test_a_failed_revocation_still_signs_the_person_out(
    driver: Face, hooks: EmulatorHooks, redis_server: RedisServer
) -> None:
    assert (await driver.login("password-user", PASSWORD)).signed_in
    cookie = jar_value(driver.client, SESSION_COOKIE)
    assert cookie is not None
    await hooks.fault("RevokeToken", error="InternalErrorException")

    response = await log_out(driver)

    assert_signed_out(driver, response)
    assert [c["error"] for c in await hooks.calls("RevokeToken")] == ["InternalErrorException"]
    async with RedisView(redis_server.url) as redis:
        assert not await redis.exists("session", cookie_ticket_id(cookie))
    assert not await session_alive(driver.client, cookie)


# What a browser sends with another site's form: never the SameSite=Lax session cookie, and
# either Fetch Metadata or (a browser from before it) the other site's Origin.
CROSS_SITE_HEADERS: list[dict[str, str]] = [
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Origin": "https://evil.example"},
]


async def test_logout_cannot_be_triggered_from_another_site(
    gateway: TestClient, make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    victim = HtmlDriver(gateway)
    assert (await victim.login("password-user", PASSWORD)).signed_in
    cookie = jar_value(gateway, SESSION_COOKIE)
    assert cookie is not None
    # A token that is valid, but bound to somebody else's session.
    other = HtmlDriver(await make_gateway())  # another browser, on another gateway instance
    assert (await other.login("email-user", PASSWORD)).view == "email-code"
    foreign = (await other.get("/login/email-code")).form("/login/email-code").fields["csrf"]

    forms: list[dict[str, str]] = [
        {},  # an auto-submitted form without a token
        {"csrf": foreign},
        {"csrf": foreign, "everywhere": "1"},
    ]
    for headers in CROSS_SITE_HEADERS:
        gateway.session.cookie_jar.clear()
        link = await gateway.get("/logout", headers=headers, allow_redirects=False)  # an <img>
        assert link.status == 405
        for form in forms:
            response = await gateway.post("/logout", data=form, headers=headers,
                                          allow_redirects=False)
            assert response.status == 403, (headers, form)
            assert error_code(await response.text()) == "csrf_failed"
            # Clear-Site-Data would wipe every cookie and all storage of the site: the
            # session in this browser, and other applications' on the same host.
            assert "Clear-Site-Data" not in response.headers
            assert set_cookies(response) == []
        # The API needs its custom header, which no cross-site form can add; a cross-site
        # fetch() that somehow did is refused by where it comes from all the same.
        for api_headers in ({}, API_HEADERS):
            response = await gateway.post("/auth/logout", headers={**headers, **api_headers})
            assert response.status == 403
            assert (await response.json())["error"]["code"] == "csrf_failed"
            assert "Clear-Site-Data" not in response.headers
            assert set_cookies(response) == []

    assert await session_alive(gateway, cookie)
    assert await hooks.calls("RevokeToken") == []
    assert await hooks.calls("GlobalSignOut") == []


async def test_signing_out_again_is_a_calm_no_op_that_clears_nothing(
    driver: Face, hooks: EmulatorHooks
) -> None:
    """A double click, or the button of a second tab after the first one worked: the person
    sees the same answer, and nothing this browser holds now (a sign-in begun since) is wiped."""
    assert (await driver.login("password-user", PASSWORD)).signed_in
    if isinstance(driver, HtmlDriver):
        old_tab = (await driver.get("/")).form("/logout").fields
        first = await driver.post("/logout", old_tab)
    else:
        first = await log_out(driver)
    assert_signed_out(driver, first)
    started = await driver.login("totp-user", PASSWORD)
    assert started.view == "authenticator-code"

    if isinstance(driver, HtmlDriver):
        again = await driver.post("/logout", old_tab)
        assert (again.status, again.headers["Location"]) == (303, "/login?notice=signed_out")
        landing = await driver.get(again.headers["Location"])
        assert landing.status == 200 and error_code(landing) is None
        assert "You have signed out." in landing.text
    else:
        status, _ = await driver.call("POST", "/auth/logout")
        again = driver.responses[-1]
        assert status == 204
    assert "Clear-Site-Data" not in again.headers
    assert set_cookies(again) == []
    # The sign-in begun since is untouched.
    assert (await driver.answer(started, {"code": await hooks.totp("totp-user")})).signed_in


async def test_sign_out_everywhere_ends_the_persons_other_gateway_sessions(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    # Three browsers on one gateway: two belong to the same person, one to somebody else.
    async def browser() -> JsonDriver:
        jar = CookieJar(unsafe=True, treat_as_secure_origin=[gateway.server.make_url("/")])
        client = TestClient(gateway.server, cookie_jar=jar)
        await client.start_server()
        return JsonDriver(client)

    laptop, phone, colleague = JsonDriver(gateway), await browser(), await browser()
    try:
        for driver, username in ((laptop, "password-user"), (phone, "password-user"),
                                 (colleague, "alias@example.com")):
            assert (await driver.login(username, PASSWORD)).signed_in
        status, _ = await laptop.call("POST", "/auth/logout", {"everywhere": True})
        assert status == 204
        assert await laptop.session() is None
        assert await phone.session() is None  # signed out on the other device too
        assert await colleague.session() is not None  # nobody else is touched
    finally:  # their HTTP sessions only: the server belongs to the gateway fixture
        await phone.client.session.close()
        await colleague.client.session.close()
