"""Tokens kept fresh, and revocation that means something, against the emulator and a real
Redis: a session's access token is refreshed shortly before it expires (REFRESH_TOKEN_AUTH with
SECRET_HASH over the internal username, the remembered device's key), at most once however many
calls arrive at once on however many instances; a refresh Cognito refuses (the person signed
out everywhere, disabled, deleted) ends the session at the next call, and a Cognito outage
during a refresh does not.

``GATEWAY_REFRESH_MARGIN=3600`` with the demo client's one-hour tokens makes every token due
for refresh at once, so no test waits for a clock."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from cognito_srp import secret_hash
from tests.demo import (
    ALIAS_EMAIL,
    ALIAS_ID,
    CLIENT,
    PASSWORD,
    PASSWORD_USER,
    POOL,
    PUBLIC_CLIENT,
    SECRET,
    TOTP_USER,
)
from tests.gateway.drivers import API_HEADERS, GatewayFactory, JsonDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import CognitoTraffic, cognito_client, set_cookies
from tests.servers import EmulatorProcess
from tests.upstream.support import running_upstream

ALWAYS_DUE = {"refresh_margin": "3600"}
SESSION_COOKIE = "__Host-gw-session"


def refreshes(traffic: CognitoTraffic) -> list[dict[str, Any]]:
    return [body for name, body in traffic.requests
            if (name == "InitiateAuth" and body["AuthFlow"] == "REFRESH_TOKEN_AUTH")
            or name == "GetTokensFromRefreshToken"]


async def signed_in(gateway: TestClient, username: str = PASSWORD_USER) -> JsonDriver:
    driver = JsonDriver(gateway)
    assert (await driver.login(username, PASSWORD)).signed_in
    return driver


async def test_tokens_far_from_expiry_are_not_refreshed(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway()
    traffic = CognitoTraffic(gateway)
    driver = await signed_in(gateway)
    for _ in range(3):
        assert await driver.session() is not None
    assert refreshes(traffic) == []


async def test_a_due_token_is_refreshed_over_the_internal_username(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(**ALWAYS_DUE)
    traffic = CognitoTraffic(gateway)
    driver = await signed_in(gateway, ALIAS_EMAIL)  # signs in by alias: the username is an id
    before = traffic.tokens()
    user = await driver.session()
    assert user is not None and user["username"] == ALIAS_ID
    (refresh,) = refreshes(traffic)
    parameters = refresh["AuthParameters"]
    assert parameters["SECRET_HASH"] == secret_hash(ALIAS_ID, CLIENT, SECRET)
    assert "DEVICE_KEY" not in parameters
    # The session now holds the new tokens: the next refresh sends the same refresh token
    # (this client does not rotate), and a relayed call would carry the new access token.
    assert traffic.tokens() - before, "no new tokens came back"
    assert await driver.session() is not None
    assert [r["AuthParameters"]["REFRESH_TOKEN"] for r in refreshes(traffic)] == [
        parameters["REFRESH_TOKEN"]] * 2


@pytest.mark.parametrize("revocation", ["GlobalSignOut", "AdminDisableUser", "AdminDeleteUser"])
async def test_a_person_revoked_at_cognito_is_signed_out_at_the_next_call(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, revocation: str
) -> None:
    gateway = await make_gateway(**ALWAYS_DUE)
    driver = await signed_in(gateway)
    async with cognito_client(hooks.url) as cognito:
        if revocation == "GlobalSignOut":
            # The person signs out everywhere from another app (the pool's public client).
            other_app = await cognito.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH", ClientId=PUBLIC_CLIENT,
                AuthParameters={"USERNAME": PASSWORD_USER, "PASSWORD": PASSWORD})
            await cognito.global_sign_out(
                AccessToken=other_app["AuthenticationResult"]["AccessToken"])
        elif revocation == "AdminDisableUser":
            await cognito.admin_disable_user(UserPoolId=POOL, Username=PASSWORD_USER)
        else:
            await cognito.admin_delete_user(UserPoolId=POOL, Username=PASSWORD_USER)
    status, body = await driver.call("GET", "/auth/session")
    assert (status, body["error"]["code"], body["error"]["restart"]) == (
        401, "session_expired", True)
    assert any(c.name == SESSION_COOKIE and c.clears for c in set_cookies(driver.responses[-1]))
    # The record is gone: the same cookie is now simply no session, on the pages too.
    page = await gateway.get("/", allow_redirects=False)
    assert (page.status, page.headers["Location"]) == (303, "/login")


async def test_a_cognito_outage_during_a_refresh_keeps_the_session(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(**ALWAYS_DUE)
    driver = await signed_in(gateway)
    await hooks.fault("InitiateAuth", error="InternalErrorException", count=1)
    status, body = await driver.call("GET", "/auth/session")
    assert status == 502 and body["error"]["code"] == "upstream_unavailable"
    await hooks.fault("InitiateAuth", error="TooManyRequestsException", count=1)
    status, body = await driver.call("GET", "/auth/session")
    assert status == 503 and body["error"]["code"] == "service_busy"
    assert await driver.session() is not None  # Cognito back: the same session, refreshed


async def test_the_remembered_device_goes_with_the_refresh(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    from tests.demo import (
        ALWAYS_DEVICE_USER,
        DEVICE_ALWAYS_CLIENT,
        DEVICE_ALWAYS_POOL,
        DEVICE_ALWAYS_SECRET,
    )
    gateway = await make_gateway(user_pool_id=DEVICE_ALWAYS_POOL, client_id=DEVICE_ALWAYS_CLIENT,
                                 client_secret=DEVICE_ALWAYS_SECRET, remember_devices="always",
                                 **ALWAYS_DUE)
    traffic = CognitoTraffic(gateway)
    driver = JsonDriver(gateway)
    step = await driver.login(ALWAYS_DEVICE_USER, PASSWORD)
    await hooks.advance(30)
    assert (await driver.answer(step, {"code": await hooks.totp(ALWAYS_DEVICE_USER)})).signed_in
    (confirmed,) = [body for name, body in traffic.requests if name == "ConfirmDevice"]
    assert await driver.session() is not None
    (refresh,) = refreshes(traffic)
    assert refresh["AuthParameters"]["DEVICE_KEY"] == confirmed["DeviceKey"]


# --- with the relay ---------------------------------------------------------------------------


@pytest.fixture
async def upstream(emulator: EmulatorProcess) -> AsyncIterator[TestServer]:
    async with running_upstream(emulator.url) as server:
        yield server


def upstreams(upstream: TestServer) -> str:
    return json.dumps({"/api/": {"url": str(upstream.make_url("/"))}})


class MovableClock:
    """The clock token freshness reads, moved forward without touching anything else."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.time() + self.ahead


async def test_one_refresh_for_two_hundred_calls_on_two_instances(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, upstream: TestServer
) -> None:
    clock = MovableClock()
    instances = [await make_gateway(upstreams=upstreams(upstream),
                                    create_kwargs={"wall_clock": clock}) for _ in range(2)]
    first, second = instances
    await signed_in(first)
    second.session.cookie_jar.update_cookies(
        {c.key: c.value for c in first.session.cookie_jar}, second.make_url("/"))
    traffic = [CognitoTraffic(gateway) for gateway in instances]
    # The one-hour token now has 50 s left by the gateway's clock, inside the 60 s margin:
    # every call finds it due. (The emulator's clock stays: the upstream checks tokens against
    # real time, and would refuse one minted an hour ahead as not yet valid.)
    clock.ahead = 3600 - 50

    async def call(gateway: TestClient) -> int:
        async with gateway.get("/api/echo/x", headers=API_HEADERS) as reply:
            await reply.read()
            return reply.status

    statuses = await asyncio.gather(*(call(instances[n % 2]) for n in range(200)))
    assert statuses == [200] * 200
    assert sum(len(refreshes(t)) for t in traffic) == 1
    # Every call after the refresh carried the new token; the upstream verified each one.
    seen = {r["sub"] for r in await reached(upstream)}
    assert len(seen) == 1 and len(await reached(upstream)) == 200


async def reached(upstream: TestServer) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as client, client.get(
            upstream.make_url("/_upstream/requests")) as reply:
        return [r for r in (await reply.json())["requests"]
                if not r["path"].startswith("/_upstream")]


async def test_an_upstream_refusing_the_token_gets_one_retry_after_a_forced_refresh(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, upstream: TestServer
) -> None:
    gateway = await make_gateway(upstreams=upstreams(upstream))  # tokens far from expiry
    traffic = CognitoTraffic(gateway)
    await signed_in(gateway)
    reply = await gateway.get("/api/status/401", headers=API_HEADERS)
    assert reply.status == 401  # the upstream's own answer, after the one retry
    assert len(refreshes(traffic)) == 1
    posted = await gateway.post("/api/status/401", headers=API_HEADERS, data=b"{}")
    assert posted.status in {401, 405}
    assert len(refreshes(traffic)) == 1  # a call with a body is never sent twice


# --- refresh token rotation --------------------------------------------------------------------

ROTATING_CLIENT = "1demorotatingclient0000011"
ROTATING_SECRET = "1demorotatingclientsecret00000000000000000000000011"


async def rotating_gateway(make_gateway: GatewayFactory, **overrides: Any) -> TestClient:
    return await make_gateway(client_id=ROTATING_CLIENT, client_secret=ROTATING_SECRET,
                              refresh_token_rotation="true", **overrides)


async def test_a_rotating_client_keeps_the_refresh_token_it_is_handed(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await rotating_gateway(make_gateway, **ALWAYS_DUE)
    traffic = CognitoTraffic(gateway)
    driver = await signed_in(gateway)
    (first,) = [r["AuthenticationResult"]["RefreshToken"] for name, r in traffic.replies
                if r.get("AuthenticationResult")]
    assert await driver.session() is not None
    assert await driver.session() is not None
    sent = [body["RefreshToken"] for body in refreshes(traffic)]
    handed = [r["AuthenticationResult"]["RefreshToken"] for name, r in traffic.replies
              if name == "GetTokensFromRefreshToken"]
    assert len(sent) == 2 and len(handed) == 2
    # Each refresh spends the newest token: the first, then the one the first refresh handed out.
    assert sent == [first, handed[0]] and handed[0] != first
    assert all(body["ClientSecret"] == ROTATING_SECRET for body in refreshes(traffic))


async def test_a_rotating_client_is_refreshed_once_for_many_calls_on_two_instances(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    """Two refreshes racing with one rotating token would spend it twice: the second would
    fail once the grace period is over, and end a session that did nothing wrong."""
    clock = MovableClock()
    instances = [await rotating_gateway(make_gateway, create_kwargs={"wall_clock": clock})
                 for _ in range(2)]
    await signed_in(instances[0])
    instances[1].session.cookie_jar.update_cookies(
        {c.key: c.value for c in instances[0].session.cookie_jar}, instances[1].make_url("/"))
    traffic = [CognitoTraffic(gateway) for gateway in instances]
    # Four and a half minutes later, for Cognito and the gateway alike: the five-minute token
    # has 30 s left, inside the margin.
    clock.ahead = 300 - 30
    await hooks.advance(clock.ahead)
    drivers = [JsonDriver(gateway) for gateway in instances]
    users = await asyncio.gather(*(drivers[n % 2].session() for n in range(200)))
    assert all(user is not None for user in users)
    assert sum(len(refreshes(t)) for t in traffic) == 1


async def test_the_wrong_refresh_flow_for_the_client_keeps_the_session(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    """A rotating client refreshed with REFRESH_TOKEN_AUTH (GATEWAY_REFRESH_TOKEN_ROTATION left
    false): Cognito refuses the flow. That is the deployment's mistake, not the person's: 503,
    and the session stays."""
    gateway = await make_gateway(client_id=ROTATING_CLIENT, client_secret=ROTATING_SECRET,
                                 **ALWAYS_DUE)
    driver = await signed_in(gateway)
    status, body = await driver.call("GET", "/auth/session")
    assert (status, body["error"]["code"]) == (503, "temporarily_unavailable")
    status, body = await driver.call("GET", "/auth/session")
    assert status == 503  # the session was kept, and asked again


async def test_groups_decide_which_routes_a_person_reaches(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, upstream: TestServer
) -> None:
    routes = json.dumps({"/staff/": {"url": str(upstream.make_url("/")), "groups": ["staff"]}})
    gateway = await make_gateway(upstreams=routes)
    staff = await signed_in(gateway)  # password-user is in the seed's staff group
    user = await staff.session()
    assert user is not None and user["groups"] == ["staff"]
    reply = await gateway.get("/staff/echo/x", headers=API_HEADERS)
    assert reply.status == 200
    assert (await reply.json())["identity"]["groups"] == ["staff"]
    await staff.logout()
    other = JsonDriver(gateway)
    step = await other.login(TOTP_USER, PASSWORD)
    assert (await other.answer(step, {"code": await hooks.totp(TOTP_USER)})).signed_in
    refused = await gateway.get("/staff/echo/x", headers=API_HEADERS)
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "forbidden"
