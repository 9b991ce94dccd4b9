"""Getting a browser to a given sign-in step, and adding users the demo seed lacks.

Shared by the security tests, which need to stand on every step page to attack it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.demo import MFA_CLIENT, MFA_POOL, MFA_SECRET, PASSWORD, POOL, TEMPORARY_PASSWORD
from tests.gateway.drivers import Driver, GatewayFactory, HtmlDriver, JsonDriver, Step
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import CognitoTraffic, cognito_client, set_cookies

STEP_VIEWS = ("authenticator-code", "sms-code", "email-code", "choose-mfa", "new-password",
              "setup-mfa", "setup-authenticator", "setup-email")

# Who reaches each step of the main demo pool, and with which password.
_DEMO_POOL_STEPS = {
    "authenticator-code": ("totp-user", PASSWORD),
    "sms-code": ("sms-user", PASSWORD),
    "email-code": ("email-user", PASSWORD),
    "choose-mfa": ("choice-user", PASSWORD),
    "new-password": ("new-password-user", TEMPORARY_PASSWORD),
}
_SETUP_CHOICE = {"setup-authenticator": "SOFTWARE_TOKEN_MFA", "setup-email": "EMAIL_OTP"}


async def reach(
    view: str, make_gateway: GatewayFactory, hooks: EmulatorHooks,
    gateways: dict[str, TestClient] | None = None,
) -> tuple[HtmlDriver, Step, dict[str, str]]:
    """A fresh browser waiting on ``view``, and answers that the step would accept. The browser
    gets a gateway of its own, or shares one from ``gateways`` (by pool) with an empty jar."""
    pool = POOL if view in _DEMO_POOL_STEPS else MFA_POOL
    if gateways is None or pool not in gateways:
        overrides = {} if pool == POOL else {
            "user_pool_id": MFA_POOL, "client_id": MFA_CLIENT, "client_secret": MFA_SECRET}
        client = await make_gateway(**overrides)
        if gateways is not None:
            gateways[pool] = client
    else:
        client = gateways[pool]
        client.session.cookie_jar.clear()
    driver = HtmlDriver(client)
    if view in _DEMO_POOL_STEPS:
        user, password = _DEMO_POOL_STEPS[view]
        step = await driver.login(user, password)
    else:
        user = "setup-user"
        step = await driver.login(user, PASSWORD)
        if view in _SETUP_CHOICE:
            step = await driver.answer(step, {"mfa_type": _SETUP_CHOICE[view]})
    assert step.view == view, step
    return driver, step, await good_answers(view, user, hooks)


async def good_answers(view: str, user: str, hooks: EmulatorHooks) -> dict[str, str]:
    match view:
        case "authenticator-code" | "setup-authenticator":
            return {"code": await hooks.totp(user)}
        case "sms-code" | "email-code":
            return {"code": await hooks.latest_code(user)}
        case "choose-mfa":
            return {"mfa_type": "SMS_MFA"}
        case "new-password":
            return {"new_password": "Brand-New-Passw0rd!", "name": "Nora New"}
        case "setup-mfa":
            return {"mfa_type": "EMAIL_OTP"}
        case "setup-email":
            return {"email": "setup@example.com"}
    raise AssertionError(f"no answers known for {view}")


async def create_user(
    hooks: EmulatorHooks, username: str, *, pool: str = POOL,
    temporary_password: str | None = None, password: str | None = None, **attributes: str,
) -> None:
    """An extra user, made the way an administrator would (admin calls against the emulator);
    in the main demo pool unless ``pool`` says otherwise."""
    async with cognito_client(hooks.url) as cognito:
        request: dict[str, Any] = {
            "UserPoolId": pool, "Username": username, "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
        }
        if temporary_password:
            request["TemporaryPassword"] = temporary_password
        await cognito.admin_create_user(**request)
        if password:
            await cognito.admin_set_user_password(UserPoolId=pool, Username=username,
                                                  Password=password, Permanent=True)


# --- every demo flow, with the secrets it handled -----------------------------------------------


@dataclass
class Run:
    """Everything one pass over the demo flows touched, for the tests that look for leaks."""

    drivers: list[Driver] = field(default_factory=list)
    traffic: list[CognitoTraffic] = field(default_factory=list)
    typed: set[str] = field(default_factory=set)  # passwords and codes people typed
    usernames: set[str] = field(default_factory=set)
    totp_secrets: set[str] = field(default_factory=set)

    @property
    def responses(self) -> list[ClientResponse]:
        return [response for driver in self.drivers for response in driver.responses]

    def cookie_values(self) -> set[str]:
        return {c.value for r in self.responses for c in set_cookies(r) if c.value}

    def cognito_secrets(self) -> set[str]:
        """What Cognito and the gateway exchanged that must stay between them: Sessions,
        tokens, SRP values, SECRET_HASH, codes, passwords, the client secret."""
        found: set[str] = set()
        for traffic in self.traffic:
            found |= traffic.sent_secrets() | traffic.received_secrets()
        return found


_WRONG_PASSWORD = "Wrong-Passw0rd!"
_WEAK_PASSWORD = "weakpass"
_NEW_PASSWORD = "Brand-New-Passw0rd!"
SECOND_SETUP_USER = "setup-user-2"


def wrong_code(code: str) -> str:
    """A well-formed code that is not this one (nor a neighbouring TOTP window's, bar chance)."""
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


async def every_demo_flow(
    face: str, make_gateway: GatewayFactory, hooks: EmulatorHooks, *, pending: bool = True
) -> Run:
    """Sign every demo user in through one face (pages or API), with a wrong answer on the way
    where there is one to give; sign one user out; leave one sign-in waiting at a code step
    when ``pending``. Returns what was typed and what Cognito and the gateway exchanged."""
    run = Run()
    gateways: dict[str, TestClient] = {}

    async def browser(pool: str = POOL) -> Driver:
        """A fresh browser (an empty cookie jar) on the gateway for ``pool``."""
        if pool not in gateways:
            overrides = ({} if pool == POOL else
                         {"user_pool_id": MFA_POOL, "client_id": MFA_CLIENT,
                          "client_secret": MFA_SECRET})
            # Every browser is 127.0.0.1, and the wrong answers add up past the per-IP limit.
            gateways[pool] = await make_gateway(ip_failure_limit="1000", **overrides)
            run.traffic.append(CognitoTraffic(gateways[pool]))
        client = gateways[pool]
        client.session.cookie_jar.clear()
        driver: Driver = HtmlDriver(client) if face == "html" else JsonDriver(client)
        run.drivers.append(driver)
        return driver

    async def code_for(user: str, view: str | None) -> str:
        if view in {"authenticator-code", "setup-authenticator"}:
            return await hooks.totp(user)
        return await hooks.latest_code(user)

    async def sign_in(driver: Driver, user: str, password: str,
                      answers: list[dict[str, str]]) -> Step:
        run.usernames.add(user)
        run.typed |= {password, _WRONG_PASSWORD}
        refused = await driver.login(user, _WRONG_PASSWORD)
        assert refused.error == "invalid_credentials", refused
        step = await driver.login(user, password)
        for answer in answers:
            if "code" in answer:
                right = await code_for(user, step.view)
                run.typed.add(wrong_code(right))
                mistaken = await driver.answer(step, {"code": wrong_code(right)})
                assert mistaken.error == "invalid_code", mistaken
                step = mistaken if mistaken.page else step
                answer = {"code": await code_for(user, step.view)}
            run.typed |= {v for k, v in answer.items() if k in {"code", "new_password"}}
            step = await driver.answer(step, answer)
        assert step.signed_in, (user, step)
        return step

    main = await browser()
    code = {"code": ""}
    await sign_in(main, "password-user", PASSWORD, [])
    assert await main.session() is not None
    await main.logout()
    for user in ("totp-user", "sms-user", "email-user"):
        await sign_in(await browser(), user, PASSWORD, [code])
    for choice in ("SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP"):
        await sign_in(await browser(), "choice-user", PASSWORD, [{"mfa_type": choice}, code])
    new_password = await browser()
    run.usernames.add("new-password-user")
    step = await new_password.login("new-password-user", TEMPORARY_PASSWORD)
    weak = await new_password.answer(step, {"new_password": _WEAK_PASSWORD, "name": "Nora New"})
    assert weak.error == "invalid_password"
    done = await new_password.answer(weak if weak.page else step,
                                     {"new_password": _NEW_PASSWORD, "name": "Nora New"})
    assert done.signed_in
    run.typed |= {TEMPORARY_PASSWORD, _WEAK_PASSWORD, _NEW_PASSWORD}
    await sign_in(await browser(), "alias@example.com", PASSWORD, [])
    run.usernames.add("7d3f0c4e-2b1a-4c5d-9e8f-a1b2c3d4e5f6")

    await sign_in(await browser(MFA_POOL), "setup-user", PASSWORD,
                  [{"mfa_type": "SOFTWARE_TOKEN_MFA"}, code])
    await hooks.advance(30)  # the next TOTP window: a code is good for one sign-in only
    await sign_in(await browser(MFA_POOL), "setup-user", PASSWORD, [code])  # now enrolled
    await create_user(hooks, SECOND_SETUP_USER, pool=MFA_POOL, password=PASSWORD,
                      email="setup-2@example.com", name="Sue Setup")
    await sign_in(await browser(MFA_POOL), SECOND_SETUP_USER, PASSWORD,
                  [{"mfa_type": "EMAIL_OTP"}, {"email": "setup-2@example.com"}, code])

    if pending:
        waiting = await browser()
        step = await waiting.login("sms-user", PASSWORD)
        assert step.view == "sms-code"

    for user in ("totp-user", "choice-user", "setup-user"):
        run.totp_secrets.add(await totp_secret(hooks, user))
    for traffic in run.traffic:
        run.totp_secrets |= {body["SecretCode"] for _, body in traffic.replies
                             if body.get("SecretCode")}
    return run


async def totp_secret(hooks: EmulatorHooks, user: str) -> str:
    """The authenticator secret the emulator holds for ``user`` (its /_emulator/totp hook)."""
    async with aiohttp.ClientSession() as session, session.get(
        f"{hooks.url}/_emulator/totp", params={"username": user}
    ) as reply:
        assert reply.status == 200, await reply.text()
        return str((await reply.json())["secret"])
