"""Who has an account (issue 7, items 10 and 14): a disabled account answers like a wrong
password unless the deployer opts in, and with an app client whose user-existence errors are
LEGACY a refused sign-in is answered no sooner than a floor, so an unknown name (refused by
Cognito at once) and a wrong password (an SRP exchange first) take as long."""

from __future__ import annotations

import logging
import statistics
import time

import pytest
from aiohttp.test_utils import TestClient

from tests.demo import PASSWORD, POOL
from tests.gateway.drivers import API_HEADERS, GatewayFactory, HtmlDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import cognito_client
from tests.gateway.test_security_enumeration import answer

WRONG = "Any-Passw0rd!"
# Same length as "password-user", so Content-Length tells nothing either.
UNKNOWN = "nobody-here-1"


async def disable(hooks: EmulatorHooks, username: str) -> None:
    async with cognito_client(hooks.url) as cognito:
        await cognito.admin_disable_user(UserPoolId=POOL, Username=username)


async def api_answer(gateway: TestClient, username: str, password: str) -> tuple[int, str, str]:
    gateway.session.cookie_jar.clear()
    response = await gateway.post("/auth/login", headers=API_HEADERS,
                                  json={"username": username, "password": password})
    return await answer(response, username)


async def test_a_disabled_account_answers_like_a_wrong_password(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    reference = await api_answer(gateway, UNKNOWN, WRONG)
    await disable(hooks, "password-user")
    assert "UserNotFoundException" in {c["error"] for c in await hooks.calls()}
    for password in (PASSWORD, WRONG):
        assert await api_answer(gateway, "password-user", password) == reference
    assert reference[0] == 401

    pages = {}
    for username, password in ((UNKNOWN, WRONG), ("password-user", PASSWORD)):
        gateway.session.cookie_jar.clear()
        driver = HtmlDriver(gateway)
        response = await driver.submit(await driver.get("/login"), "/login",
                                       {"username": username, "password": password})
        pages[username] = await answer(response, username)
    assert pages["password-user"] == pages[UNKNOWN]


async def test_a_deployer_may_choose_to_tell_a_disabled_account(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(reveal_disabled_accounts="true")
    await disable(hooks, "password-user")
    response = await gateway.post("/auth/login", headers=API_HEADERS,
                                  json={"username": "password-user", "password": PASSWORD})
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "account_disabled"


async def timings(gateway: TestClient, username: str, rounds: int = 7) -> float:
    seen = []
    for _ in range(rounds):
        gateway.session.cookie_jar.clear()
        started = time.perf_counter()
        response = await gateway.post("/auth/login", headers=API_HEADERS,
                                      json={"username": username, "password": WRONG})
        await response.read()
        assert response.status == 401
        seen.append(time.perf_counter() - started)
    return statistics.median(seen)


async def test_failed_sign_ins_take_as_long_with_a_legacy_app_client(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    # The demo app client has PreventUserExistenceErrors=LEGACY: Cognito refuses an unknown
    # name at InitiateAuth, a wrong password only after the SRP exchange.
    bare = await make_gateway(failed_sign_in_floor_ms="0", ip_failure_limit="1000",
                              user_failure_limit="1000")
    await timings(bare, "password-user", rounds=2)  # warm up the connections
    unknown, known = await timings(bare, UNKNOWN), await timings(bare, "password-user")
    assert unknown < known * 0.8, "without the floor the difference shows"

    floored = await make_gateway(failed_sign_in_floor_ms="150", ip_failure_limit="1000",
                                 user_failure_limit="1000")
    unknown, known = await timings(floored, UNKNOWN), await timings(floored, "password-user")
    assert 0.85 < unknown / known < 1.15


async def test_start_up_warns_unless_the_deployer_vouches_for_the_setting(
    make_gateway: GatewayFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="gateway")
    await make_gateway()  # the test environment vouches
    assert not [r for r in caplog.records if "PreventUserExistenceErrors" in r.getMessage()]
    await make_gateway(assume_prevent_user_existence="false")
    assert [r for r in caplog.records if "PreventUserExistenceErrors" in r.getMessage()]
