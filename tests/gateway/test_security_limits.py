"""Abuse limits: brute force and credential stuffing (ASVS 2.2.1), MFA code guessing (2.7.3)
and request sizes (13.1). Every refusal happens before Cognito is called, which the emulator's
call log shows."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.demo import PASSWORD
from tests.gateway.drivers import API_HEADERS, GatewayFactory, HtmlDriver, JsonDriver, Step
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import RedisView, jar_value
from tests.servers import RedisServer

LIMIT = 3
WINDOW = 300


@pytest.fixture
async def limited(make_gateway: GatewayFactory) -> TestClient:
    """Small limits, behind a trusted proxy on loopback so each request can claim its own IP.
    The account-wide ceiling is as small as the per-network one here, so rotating addresses
    meet it; test_security_lockout.py shows the owner's network kept apart from an attacker's."""
    return await make_gateway(
        ip_failure_limit=str(LIMIT), ip_failure_window=str(WINDOW),
        user_failure_limit=str(LIMIT), user_failure_window=str(WINDOW),
        account_failure_limit=str(LIMIT), trusted_proxies="127.0.0.1/32",
    )


async def api_login(client: TestClient, username: str, password: str, ip: str) -> ClientResponse:
    client.session.cookie_jar.clear()
    return await client.post("/auth/login", json={"username": username, "password": password},
                             headers={**API_HEADERS, "X-Forwarded-For": ip})


async def assert_throttled(response: ClientResponse, window: int = WINDOW,
                           code: str = "rate_limited") -> None:
    assert response.status == 429
    assert 0 < int(response.headers["Retry-After"]) <= window
    if response.content_type == "application/json":
        assert (await response.json())["error"]["code"] == code


async def test_one_account_attacked_from_rotating_ips_is_throttled(
    limited: TestClient, hooks: EmulatorHooks
) -> None:
    for n in range(LIMIT):
        response = await api_login(limited, "password-user", "Wrong-Passw0rd!", f"198.51.100.{n}")
        assert response.status == 401
    calls = len(await hooks.calls())

    # A fresh address does not help, and neither does the right password: the account is
    # protected for the window, whoever asks.
    await assert_throttled(await api_login(limited, "password-user", "Wrong-Passw0rd!",
                                           "198.51.100.99"))
    await assert_throttled(await api_login(limited, "password-user", PASSWORD, "192.0.2.1"))
    page = HtmlDriver(limited, headers={"X-Forwarded-For": "192.0.2.2"})
    limited.session.cookie_jar.clear()
    refused = await page.login("password-user", PASSWORD)
    assert refused.status == 429 and refused.error == "rate_limited"
    await assert_throttled(page.responses[-1])
    assert len(await hooks.calls()) == calls

    # Other accounts, from the very addresses the attack used, are unaffected.
    assert (await api_login(limited, "email-user", PASSWORD, "198.51.100.0")).status == 200


async def test_one_ip_trying_many_accounts_is_throttled(
    limited: TestClient, hooks: EmulatorHooks
) -> None:
    attacker = "203.0.113.7"
    for username in ("password-user", "totp-user", "nobody-at-all")[:LIMIT]:
        assert (await api_login(limited, username, "Wrong-Passw0rd!", attacker)).status == 401
    calls = len(await hooks.calls())

    await assert_throttled(await api_login(limited, "sms-user", "Wrong-Passw0rd!", attacker))
    await assert_throttled(await api_login(limited, "password-user", PASSWORD, attacker))
    assert len(await hooks.calls()) == calls

    # The same accounts from anywhere else still sign in.
    response = await api_login(limited, "password-user", PASSWORD, "198.51.100.20")
    assert response.status == 200
    assert (await response.json())["status"] == "authenticated"


async def test_the_gateway_wide_start_rate_is_capped(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(global_start_limit="2", trusted_proxies="127.0.0.1/32")

    async def attempt(n: int) -> ClientResponse:
        return await gateway.post(
            "/auth/login", json={"username": f"someone-{n}", "password": "Wrong-Passw0rd!"},
            headers={**API_HEADERS, "X-Forwarded-For": f"198.51.100.{n}"})

    responses = await asyncio.gather(*(attempt(n) for n in range(8)))
    refused = [r for r in responses if r.status != 401]
    # Eight starts inside one second (or two, if the clock ticks over): at most four pass.
    assert len(refused) >= 4
    for response in refused:
        # Not this person's doing, so not "too many attempts": the service is busy.
        await assert_throttled(response, window=1, code="service_busy")
    assert len(await hooks.calls("InitiateAuth")) == len(responses) - len(refused)


# --- MFA codes ---------------------------------------------------------------------------------


def wrong(code: str) -> str:
    """A well-formed code that is not this one."""
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


@pytest.mark.parametrize("face", ["html", "json"])
async def test_after_too_many_wrong_codes_the_flow_is_gone(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, redis_server: RedisServer, face: str
) -> None:
    gateway = await make_gateway(max_code_attempts=str(LIMIT))
    driver = HtmlDriver(gateway) if face == "html" else JsonDriver(gateway)
    step = await driver.login("totp-user", PASSWORD)
    assert step.view == "authenticator-code"
    flow_cookie = jar_value(gateway, "__Host-gw-flow")
    assert flow_cookie is not None

    for attempt in range(1, LIMIT + 1):
        answered = await driver.answer(step, {"code": wrong(await hooks.totp("totp-user"))})
        if attempt < LIMIT:
            assert answered.error == "invalid_code" and answered.view == "authenticator-code"
            step = answered if answered.page else step
    # Back at the start, username kept, with a sentence rather than a code.
    if isinstance(driver, HtmlDriver):
        assert answered.view == "login" and answered.page is not None
        assert answered.page.form("/login").fields["username"] == "totp-user"
        assert "Too many failed attempts" in answered.page.text
    else:
        assert (answered.status, answered.error) == (429, "too_many_attempts")
        assert answered.parameters.get("restart") is True

    # The Cognito Session is gone from the flow record: only a notice and the username remain.
    async with RedisView(redis_server.url) as redis:
        record = await redis.open("flow", flow_cookie)
    assert record is not None
    assert record["challenge"] is None and record["username"] == "totp-user"

    # Even the right code now goes nowhere: sign-in has to start again.
    calls = len(await hooks.calls())
    again = await driver.answer(Step(view="authenticator-code", challenge="SOFTWARE_TOKEN_MFA",
                                     page=step.page),
                                {"code": await hooks.totp("totp-user")})
    assert not again.signed_in
    assert again.view == "login" or again.error == "flow_expired"
    assert len(await hooks.calls()) == calls


async def test_wrong_codes_count_against_the_account_across_flows(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(max_code_attempts="2", user_failure_limit="3",
                                 user_failure_window=str(WINDOW))
    driver = JsonDriver(gateway)
    step = await driver.login("email-user", PASSWORD)
    for _ in range(2):  # the first flow ends after two wrong codes
        step = await driver.answer(step, {"code": wrong(await hooks.latest_code("email-user"))})
    assert step.error == "too_many_attempts"

    step = await driver.login("email-user", PASSWORD)  # a second flow: one more wrong code
    assert step.view == "email-code"
    step = await driver.answer(step, {"code": wrong(await hooks.latest_code("email-user"))})
    assert step.error == "invalid_code"
    calls = len(await hooks.calls())

    # Three wrong codes for this account: the right one is refused too, before Cognito.
    step = await driver.answer(step, {"code": await hooks.latest_code("email-user")})
    assert (step.status, step.error) == (429, "rate_limited")
    refused = await driver.login("email-user", PASSWORD)
    assert (refused.status, refused.error) == (429, "rate_limited")
    assert len(await hooks.calls()) == calls


# --- sizes ------------------------------------------------------------------------------------


async def test_oversized_bodies_are_refused_before_anything_else(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(gateway)
    form = (await driver.get("/login")).form("/login").fields
    big = "x" * (200 * 1024)
    page = await driver.post("/login", {**form, "username": "password-user",
                                        "password": PASSWORD, "encoded_data": big})
    assert page.status == 413
    api = await gateway.post("/auth/login", headers=API_HEADERS, json={
        "username": "password-user", "password": PASSWORD, "encoded_data": big})
    assert api.status == 413
    assert (await api.json())["error"]["code"] == "payload_too_large"
    assert await hooks.calls() == []


FIELD_LIMITS = [
    # (field, longest accepted, what Cognito would have said about it)
    ("username", 128, "UsernameType"),
    ("password", 256, "PasswordType"),
    ("encoded_data", 131072, "UserContextDataType.EncodedData"),
]


@pytest.mark.parametrize(("field", "longest", "_model"), FIELD_LIMITS)
@pytest.mark.parametrize("face", ["html", "json"])
async def test_oversized_fields_never_reach_cognito(
    gateway: TestClient, hooks: EmulatorHooks, field: str, longest: int, _model: str, face: str
) -> None:
    async def login(value: str) -> int:
        fields = {"username": "password-user", "password": "Wrong-Passw0rd!", field: value}
        if face == "json":
            response = await gateway.post("/auth/login", json=fields, headers=API_HEADERS)
            if response.status == 400:
                assert (await response.json())["error"]["code"] == "invalid_request"
            return response.status
        driver = HtmlDriver(gateway)
        form = (await driver.get("/login")).form("/login").fields
        return (await driver.post("/login", {**form, **fields})).status

    assert await login("a" * (longest + 1)) == 400
    assert await hooks.calls() == []
    # At the limit the request is ordinary: it reaches Cognito (and the password is wrong).
    assert await login("a" * longest) == 401
    assert len(await hooks.calls()) >= 1


async def test_oversized_answers_never_reach_cognito(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    driver = JsonDriver(gateway)
    step = await driver.login("email-user", PASSWORD)
    assert step.view == "email-code"
    calls = len(await hooks.calls())
    for answers in ({"code": "1" * 17}, {"code": "1" * 5000}, {"mfa_type": "x" * 5000},
                    {f"field{n}": "1" for n in range(2000)} | {"code": "1" * 17}):
        refused = await driver.answer(step, answers)
        assert (refused.status, refused.error) == (400, "invalid_request")
    pages = HtmlDriver(gateway)
    page = await pages.get("/login/email-code")
    response = await pages.submit(page, "/login/email-code", {"code": "1" * 5000})
    assert response.status == 400
    assert len(await hooks.calls()) == calls
    # The flow is still usable: the real code signs in.
    done = await driver.answer(step, {"code": await hooks.latest_code("email-user")})
    assert done.signed_in
