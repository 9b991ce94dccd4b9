"""Replay (ASVS 11.1): a flow is consumed once, one answer at a time, and only the answer to the
step it is waiting on is sent. The emulator's call log counts what reached Cognito."""

from __future__ import annotations

import asyncio

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.demo import PASSWORD
from tests.gateway.drivers import API_HEADERS, HtmlDriver, JsonDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import jar_value, set_cookies

FLOW_COOKIE = "__Host-gw-flow"
SESSION_COOKIE = "__Host-gw-session"


async def replay(client: TestClient, flow_cookie: str, method: str, path: str,
                 **kwargs: object) -> ClientResponse:
    """The same request again, from a browser (or an attacker) still holding the flow cookie."""
    client.session.cookie_jar.clear()
    headers = {"Cookie": f"{FLOW_COOKIE}={flow_cookie}", **API_HEADERS}
    return await client.request(method, path, headers=headers, allow_redirects=False,
                                **kwargs)  # type: ignore[arg-type]


async def test_a_page_answer_replayed_after_success_goes_nowhere(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(gateway)
    step = await driver.login("email-user", PASSWORD)
    assert step.view == "email-code" and step.page is not None
    flow = jar_value(gateway, FLOW_COOKIE)
    assert flow is not None
    form = {**step.page.form("/login/email-code").fields,
            "code": await hooks.latest_code("email-user")}
    assert (await driver.answer(step, {"code": form["code"]})).signed_in
    calls = len(await hooks.calls())

    again = await replay(gateway, flow, "POST", "/login/email-code", data=form)
    assert again.status == 303 and again.headers["Location"].startswith("/login")
    assert not any(c.name == SESSION_COOKIE and not c.clears for c in set_cookies(again))
    assert len(await hooks.calls()) == calls


async def test_an_api_answer_replayed_after_success_goes_nowhere(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    driver = JsonDriver(gateway)
    step = await driver.login("email-user", PASSWORD)
    flow = jar_value(gateway, FLOW_COOKIE)
    assert flow is not None
    body = {"challenge": "EMAIL_OTP", "answers": {"code": await hooks.latest_code("email-user")}}
    assert (await driver.answer(step, body["answers"])).signed_in
    calls = len(await hooks.calls())

    again = await replay(gateway, flow, "POST", "/auth/challenge", json=body)
    assert again.status == 410
    assert (await again.json())["error"]["code"] == "flow_expired"
    assert not any(c.name == SESSION_COOKIE and not c.clears for c in set_cookies(again))
    assert len(await hooks.calls()) == calls


async def test_two_concurrent_answers_make_one_cognito_call(
    driver: HtmlDriver | JsonDriver, hooks: EmulatorHooks
) -> None:
    step = await driver.login("email-user", PASSWORD)
    assert step.view == "email-code"
    code = await hooks.latest_code("email-user")
    before = len(await hooks.calls("RespondToAuthChallenge"))
    # Cognito takes its time, so the second submit arrives while the first is in flight.
    await hooks.fault("RespondToAuthChallenge", latency_ms=300)

    results = await asyncio.gather(driver.answer(step, {"code": code}),
                                   driver.answer(step, {"code": code}))

    assert len(await hooks.calls("RespondToAuthChallenge")) == before + 1
    assert sum(result.signed_in for result in results) == 1
    (other,) = [result for result in results if not result.signed_in]
    assert other.error in {"step_in_progress", "flow_expired"} or other.view == "login"


async def test_an_answer_for_another_step_is_not_sent(
    driver: HtmlDriver | JsonDriver, hooks: EmulatorHooks
) -> None:
    step = await driver.login("totp-user", PASSWORD)
    assert (step.view, step.challenge) == ("authenticator-code", "SOFTWARE_TOKEN_MFA")
    calls = len(await hooks.calls())
    code = await hooks.totp("totp-user")

    if isinstance(driver, HtmlDriver):
        # A stale tab posting the SMS page's form: sent back to the step that is waiting.
        assert step.page is not None
        fields = {**step.page.form("/login/authenticator-code").fields, "code": code}
        response = await driver.post("/login/sms-code", {**fields, "challenge": "SMS_MFA"})
        assert (response.status, response.headers["Location"]) == (
            303, "/login/authenticator-code")
        response = await driver.post("/login/authenticator-code",
                                     {**fields, "challenge": "SMS_MFA"})
        assert (response.status, response.headers["Location"]) == (
            303, "/login/authenticator-code")
    else:
        for name in ("SMS_MFA", "EMAIL_OTP", "NEW_PASSWORD_REQUIRED", "PASSWORD_VERIFIER"):
            status, body = await driver.call("POST", "/auth/challenge",
                                             {"challenge": name, "answers": {"code": code}})
            assert (status, body["error"]["code"]) == (409, "challenge_mismatch")
    assert len(await hooks.calls()) == calls

    # The step itself is untouched: the right answer to the right challenge still works.
    assert (await driver.answer(step, {"code": code})).signed_in
