"""Limits that hold under attack (issue 7, items 2, 3, 6, 7): an attempt is reserved before
Cognito checks it, so no burst gets past a limit; one client cannot spend the gateway-wide
budget others need; an account has one budget whatever name it is typed by; and an attacker
elsewhere does not lock the owner out. Counted in the emulator's call log, against real Redis."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from tests.demo import ALIAS_EMAIL, ALIAS_ID, PASSWORD, TOTP_USER
from tests.gateway.drivers import API_HEADERS, GatewayFactory
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import RedisView
from tests.servers import RedisServer

WRONG = "Wrong-Passw0rd!"
# Start limits out of the way where a test is about failures.
ROOMY = {"client_start_limit": "1000", "account_start_limit": "1000",
         "global_start_limit": "1000", "trusted_proxies": "127.0.0.1/32"}


@pytest.fixture
async def browsers(gateway: TestClient) -> AsyncIterator[list[aiohttp.ClientSession]]:
    """Separate cookie jars, as separate browsers have."""
    sessions: list[aiohttp.ClientSession] = []
    yield sessions
    await asyncio.gather(*(session.close() for session in sessions))


def browser(gateway: TestClient, sessions: list[aiohttp.ClientSession]) -> aiohttp.ClientSession:
    url = gateway.server.make_url("/")
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[url])
    session = aiohttp.ClientSession(base_url=url, cookie_jar=jar)
    sessions.append(session)
    return session


async def login(client: TestClient | aiohttp.ClientSession, username: str, password: str,
                ip: str) -> int:
    response = await client.post("/auth/login", json={"username": username, "password": password},
                                 headers={**API_HEADERS, "X-Forwarded-For": ip})
    await response.read()
    return response.status


# --- 2. check and count are one step ---------------------------------------------------------


async def test_concurrent_wrong_passwords_reach_cognito_at_most_the_limit(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(**ROOMY)  # 10 per account and network, 20 per IP
    statuses = await asyncio.gather(*(login(gateway, "password-user", WRONG, "198.51.100.7")
                                      for _ in range(60)))
    checked = await hooks.calls("RespondToAuthChallenge")  # where SRP checks the password
    assert len(checked) <= 10
    assert statuses.count(401) == len(checked)
    assert statuses.count(429) == 60 - len(checked)


async def test_concurrent_wrong_codes_reach_cognito_at_most_the_limit(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, browsers: list[aiohttp.ClientSession]
) -> None:
    gateway = await make_gateway(**ROOMY)
    people = [browser(gateway, browsers) for _ in range(40)]
    # One after another: a start holds a failure slot until Cognito has checked the password,
    # so more than ten at once for one account from one network would be refused.
    for person in people:
        assert await login(person, TOTP_USER, PASSWORD, "198.51.100.8") == 200
    opened = len(await hooks.calls("RespondToAuthChallenge"))
    code = f"{(int(await hooks.totp(TOTP_USER)) + 1) % 1_000_000:06d}"

    async def answer(person: aiohttp.ClientSession) -> int:
        response = await person.post("/auth/challenge", headers={
            **API_HEADERS, "X-Forwarded-For": "198.51.100.8"},
            json={"challenge": "SOFTWARE_TOKEN_MFA", "answers": {"code": code}})
        await response.read()
        return response.status

    statuses = await asyncio.gather(*(answer(p) for p in people))
    checked = len(await hooks.calls("RespondToAuthChallenge")) - opened
    assert checked <= 10
    assert statuses.count(429) == 40 - checked


# --- 3. a fair share of starts and code sends -------------------------------------------------


async def test_one_clients_burst_does_not_stop_another_signing_in(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    # The defaults: 30 starts a minute per client network, 100 a second for the gateway.
    gateway = await make_gateway(trusted_proxies="127.0.0.1/32", client_start_limit="30",
                                 account_start_limit="20")
    burst = [login(gateway, f"someone-{n}", WRONG, "203.0.113.9") for n in range(110)]
    statuses, mine = await asyncio.gather(
        asyncio.gather(*burst), login(gateway, "password-user", PASSWORD, "192.0.2.44"))
    assert mine == 200
    assert statuses.count(401) <= 30  # the client's own start budget
    assert statuses.count(429) >= 80
    assert len(await hooks.calls("InitiateAuth")) <= 31


async def test_an_ipv6_client_network_shares_one_start_budget(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(client_start_limit="2", trusted_proxies="127.0.0.1/32")
    assert await login(gateway, "a", WRONG, "2001:db8:0:1::1") == 401
    assert await login(gateway, "b", WRONG, "2001:db8:0:1::2") == 401
    assert await login(gateway, "c", WRONG, "2001:db8:0:1:ffff::3") == 429  # the same /64
    assert await login(gateway, "d", WRONG, "2001:db8:0:2::1") == 401  # another /64


async def test_code_sends_per_account_are_limited(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(**{**ROOMY, "account_code_limit": "2"})
    for n in range(2):  # each sign-in makes Cognito send an SMS
        gateway.session.cookie_jar.clear()
        assert await login(gateway, "sms-user", PASSWORD, f"198.51.100.{n}") == 200
    sent = len(await hooks.messages("sms-user"))
    gateway.session.cookie_jar.clear()
    assert await login(gateway, "sms-user", PASSWORD, "198.51.100.3") == 429
    assert len(await hooks.messages("sms-user")) == sent
    # A sign-in that sends no code spends none of that budget.
    for n in range(3):
        gateway.session.cookie_jar.clear()
        assert await login(gateway, TOTP_USER, PASSWORD, f"198.51.100.{n}") == 200


# --- 6. one budget per account -----------------------------------------------------------------


async def test_an_alias_and_the_internal_name_share_one_budget(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, redis_server: RedisServer
) -> None:
    gateway = await make_gateway(user_failure_limit="3", **ROOMY)
    for _ in range(3):
        assert await login(gateway, ALIAS_EMAIL, WRONG, "198.51.100.5") == 401
    checked = len(await hooks.calls("RespondToAuthChallenge"))
    assert await login(gateway, ALIAS_ID, WRONG, "198.51.100.5") == 429
    assert await login(gateway, ALIAS_ID.upper(), PASSWORD, "198.51.100.5") == 429
    assert len(await hooks.calls("RespondToAuthChallenge")) == checked  # no password checked

    # The counters name neither the account nor a bare hash a dictionary would reverse.
    async with RedisView(redis_server.url) as redis:
        keys = " ".join(await redis.keys("gw:rl:*"))
    for name in (ALIAS_EMAIL, ALIAS_ID):
        assert name not in keys
        assert hashlib.sha256(name.encode()).hexdigest()[:32] not in keys


async def test_the_internal_name_first_then_the_alias(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(user_failure_limit="3", **ROOMY)
    for _ in range(3):
        assert await login(gateway, ALIAS_ID, WRONG, "198.51.100.6") == 401
    checked = len(await hooks.calls("RespondToAuthChallenge"))
    # Typed as the alias, the account is recognised once Cognito names it, before the
    # password is checked.
    assert await login(gateway, ALIAS_EMAIL, WRONG, "198.51.100.6") == 429
    assert len(await hooks.calls("RespondToAuthChallenge")) == checked


# --- 7. no targeted lockout --------------------------------------------------------------------


async def test_an_attacker_elsewhere_does_not_lock_the_owner_out(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(user_failure_limit="3", account_failure_limit="8", **ROOMY)
    for _ in range(3):
        assert await login(gateway, "password-user", WRONG, "203.0.113.50") == 401
    assert await login(gateway, "password-user", PASSWORD, "203.0.113.50") == 429
    # The owner, from their own address, is not affected.
    assert await login(gateway, "password-user", PASSWORD, "192.0.2.10") == 200

    # Many networks together meet the account-wide ceiling: then nobody gets in for the window.
    for n in range(5):
        gateway.session.cookie_jar.clear()
        assert await login(gateway, "password-user", WRONG, f"198.51.100.{60 + n}") == 401
    gateway.session.cookie_jar.clear()
    assert await login(gateway, "password-user", PASSWORD, "192.0.2.10") == 429
