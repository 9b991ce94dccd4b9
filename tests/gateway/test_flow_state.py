"""A sign-in in progress when something goes wrong with it: the Cognito Session runs out, a code
is wrong, expired or already used, or an old tab answers a step the flow has moved past.

Everything goes over HTTP: the gateway's own aiobotocore client to the emulator process, and a
real redis-server. Time moves with the emulator's clock hook, never by sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pyotp
import pytest
from aiobotocore.session import get_session

from tests.demo import (
    CLIENT,
    MFA_CLIENT,
    MFA_POOL,
    MFA_SECRET,
    PASSWORD,
    POOL,
    SESSION_VALIDITY_SECONDS,
    TOTP_SECRET,
)
from tests.gateway.drivers import Driver, GatewayFactory, HtmlDriver, JsonDriver, Step, drive
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.html import error_code

# The demo pool's clients keep a Cognito Session for 3 minutes (AuthSessionValidity).
PAST_SESSION_VALIDITY = SESSION_VALIDITY_SECONDS + 1
TOTP_STEP = 30

FLOW_EXPIRED_TEXT = "That took too long, please sign in again."
INVALID_CODE_TEXT = "That code is incorrect. Check it and try again."
TOO_MANY_TEXT = "Too many failed attempts. Please sign in again, or wait a few minutes."
CODE_EXPIRED_TEXT = "That code has expired. Sign in again to get a new one."
ALREADY_USED_TEXT = "That code was already used. Wait for the next code in your authenticator app."


def other_code(*accepted: str) -> str:
    """A well-formed code that is none of ``accepted``: certainly wrong, never by bad luck."""
    return next(code for code in (f"{digit}" * 6 for digit in range(10)) if code not in accepted)


async def emulator_now(hooks: EmulatorHooks) -> float:
    async with aiohttp.ClientSession() as session, session.get(
        f"{hooks.url}/_emulator/clock"
    ) as reply:
        return float((await reply.json())["now"])


async def wrong_totp(hooks: EmulatorHooks) -> str:
    """A six-digit code the emulator refuses for totp-user: not the code of the current time
    step, nor of the steps either side that RFC 6238 drift lets through."""
    now = await emulator_now(hooks)
    totp = pyotp.TOTP(TOTP_SECRET)
    return other_code(*(totp.at(int(now) + drift * TOTP_STEP) for drift in (-1, 0, 1)))


async def cognito_calls(hooks: EmulatorHooks) -> int:
    return len(await hooks.calls())


def login_page_state(step: Step) -> tuple[str, str]:
    """(username filled in, notice shown) on the login page the HTML face landed on. Why the
    person is back is an error (too many wrong codes, an expired code): it is shown, and
    announced, as one, in the error summary."""
    assert step.view == "login" and step.page is not None
    assert error_code(step.page) is not None, "the login page says why the person is back"
    assert "error-summary" in step.page.by_id
    return step.page.form("/login").fields.get("username", ""), step.page.text


def redirected_to(driver: HtmlDriver, path: str) -> bool:
    """The last POST answered 303 to ``path`` (the query string aside)."""
    posted = next(r for r in reversed(driver.responses) if r.method == "POST")
    return posted.status == 303 and posted.headers["Location"].split("?")[0] == path


def code_error_shown(step: Step, code: str) -> None:
    """The HTML face shows the error once, in the summary (announced), and marks the code
    field, which reads the same sentence through aria-describedby."""
    assert step.page is not None
    assert error_code(step.page) == code
    summary = step.page.by_id.get("error-summary", "")
    message = step.page.by_id.get("error-summary-message")
    assert message and message in summary
    assert step.page.text.count(message) == 1, "the sentence is on the page once"
    (code_input,) = [e for e in step.page.elements_named("input") if e.get("name") == "code"]
    assert code_input.get("aria-invalid") == "true"
    assert "error-summary-message" in code_input.get("aria-describedby", "").split()
    assert any(e.get("id") == "error-summary" and e.get("role") == "alert"
               for e in step.page.elements_named("div"))


# --- the Cognito Session runs out between two steps ------------------------------------------


async def test_expired_cognito_session_restarts_with_the_username_kept(
    driver: Driver, hooks: EmulatorHooks
) -> None:
    step = await driver.login("totp-user", PASSWORD)
    assert step.view == "authenticator-code"
    await hooks.advance(PAST_SESSION_VALIDITY)

    expired = await driver.answer(step, {"code": await hooks.totp("totp-user")})

    (respond,) = (await hooks.calls("RespondToAuthChallenge"))[-1:]
    assert respond["error"] == "NotAuthorizedException"  # Cognito refused the stale Session
    if isinstance(driver, HtmlDriver):
        assert redirected_to(driver, "/login")
        username, text = login_page_state(expired)
        assert username == "totp-user"
        assert FLOW_EXPIRED_TEXT in text
        assert expired.status == 200
    else:
        assert (expired.status, expired.error) == (410, "flow_expired")
        assert expired.parameters["restart"] is True
        assert expired.parameters["message"] == FLOW_EXPIRED_TEXT
        # The flow is gone: answering it again is refused without asking Cognito.
        before = await cognito_calls(hooks)
        again = await driver.answer(step, {"code": await hooks.totp("totp-user")})
        assert again.error == "flow_expired"
        assert await cognito_calls(hooks) == before

    fresh = await driver.login("totp-user", PASSWORD)
    assert fresh.view == "authenticator-code"
    done = await driver.answer(fresh, {"code": await hooks.totp("totp-user")})
    assert done.signed_in


# --- wrong codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "view"),
    [("sms-user", "sms-code"), ("email-user", "email-code"), ("totp-user", "authenticator-code")],
)
async def test_wrong_code_then_right_code_on_the_same_flow(
    driver: Driver, hooks: EmulatorHooks, username: str, view: str
) -> None:
    step = await driver.login(username, PASSWORD)
    assert step.view == view
    if view == "authenticator-code":
        wrong = await wrong_totp(hooks)
    else:
        wrong = other_code(await hooks.latest_code(username))
    sent_before = len(await hooks.messages(username))

    refused = await driver.answer(step, {"code": wrong})

    assert (refused.status, refused.error, refused.view) == (400, "invalid_code", view)
    if isinstance(driver, HtmlDriver):
        code_error_shown(refused, "invalid_code")
        assert refused.page is not None
        assert refused.page.form(f"/login/{view}").fields["challenge"] == step.challenge
    else:
        assert refused.parameters["field"] == "code"
        assert refused.parameters["message"] == INVALID_CODE_TEXT
    # Same flow, same Cognito Session: no new code was sent, the one already sent still works.
    assert len(await hooks.messages(username)) == sent_before
    right = (await hooks.totp(username) if view == "authenticator-code"
             else await hooks.latest_code(username))
    done = await driver.answer(refused if refused.page else step, {"code": right})
    assert done.signed_in


async def test_too_many_wrong_codes_restart_the_sign_in(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    # Fewer than the emulator's own limit (five), so the gateway's limit is what is shown.
    driver = drive(await make_gateway(max_code_attempts="3"), face)
    step = await driver.login("sms-user", PASSWORD)
    right = await hooks.latest_code("sms-user")
    wrong = other_code(right)

    for _ in range(2):
        step_after = await driver.answer(step, {"code": wrong})
        assert (step_after.error, step_after.view) == ("invalid_code", "sms-code")
        step = step_after if step_after.page else step
    last = await driver.answer(step, {"code": wrong})

    if isinstance(driver, HtmlDriver):
        assert redirected_to(driver, "/login")
        username, text = login_page_state(last)
        assert username == "sms-user"
        assert TOO_MANY_TEXT in text
    else:
        assert (last.status, last.error) == (429, "too_many_attempts")
        assert last.parameters["restart"] is True
    # The flow is over: even the right code is no longer taken, and Cognito is not asked.
    before = await cognito_calls(hooks)
    late = await driver.answer(step, {"code": right})
    assert not late.signed_in
    assert late.error == ("too_many_attempts" if face == "html" else "flow_expired")
    assert await cognito_calls(hooks) == before


# --- codes that are right but can no longer be used -----------------------------------------


async def test_totp_code_already_used_waits_for_the_next_one(
    driver: Driver, hooks: EmulatorHooks
) -> None:
    step = await driver.login("totp-user", PASSWORD)
    code = await hooks.totp("totp-user")
    assert (await driver.answer(step, {"code": code})).signed_in
    await driver.logout()

    step = await driver.login("totp-user", PASSWORD)
    replay = await driver.answer(step, {"code": code})

    assert (replay.status, replay.error, replay.view) == (400, "code_already_used",
                                                          "authenticator-code")
    if isinstance(driver, HtmlDriver):
        code_error_shown(replay, "code_already_used")
    else:
        assert replay.parameters["message"] == ALREADY_USED_TEXT
    await hooks.advance(TOTP_STEP)  # the authenticator app shows its next code
    done = await driver.answer(replay if replay.page else step,
                               {"code": await hooks.totp("totp-user")})
    assert done.signed_in


async def test_totp_code_from_minutes_ago_is_a_wrong_code(
    driver: Driver, hooks: EmulatorHooks
) -> None:
    step = await driver.login("totp-user", PASSWORD)
    old = await hooks.totp("totp-user")
    await hooks.advance(2 * TOTP_STEP)  # past the one step of drift RFC 6238 allows
    assert old != await hooks.totp("totp-user")

    refused = await driver.answer(step, {"code": old})

    assert (refused.error, refused.view) == ("invalid_code", "authenticator-code")
    done = await driver.answer(refused if refused.page else step,
                               {"code": await hooks.totp("totp-user")})
    assert done.signed_in


@pytest.fixture
async def long_session_client(hooks: EmulatorHooks) -> AsyncIterator[tuple[str, str]]:
    """An app client whose Cognito Session outlives a delivered code (15 minutes against 3),
    so a code can expire while its flow is still alive. Made with the real admin API; the
    emulator reset at the next test removes it."""
    session = get_session()
    async with session.create_client(
        "cognito-idp", region_name="us-east-1", endpoint_url=hooks.url,
        aws_access_key_id="test", aws_secret_access_key="test",  # any signature will do
    ) as cognito:
        reply = await cognito.create_user_pool_client(
            UserPoolId=POOL, ClientName="long-sessions", GenerateSecret=True,
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            AuthSessionValidity=15, EnablePropagateAdditionalUserContextData=True,
        )
    client = reply["UserPoolClient"]
    yield client["ClientId"], client["ClientSecret"]


@pytest.mark.parametrize(("username", "view"), [("sms-user", "sms-code"),
                                                 ("email-user", "email-code")])
async def test_expired_code_restarts_with_the_username_kept(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str,
    long_session_client: tuple[str, str], username: str, view: str,
) -> None:
    client_id, secret = long_session_client
    assert client_id != CLIENT
    driver = drive(await make_gateway(client_id=client_id, client_secret=secret), face)
    step = await driver.login(username, PASSWORD)
    assert step.view == view
    code = await hooks.latest_code(username)
    await hooks.advance(PAST_SESSION_VALIDITY)  # the code's three minutes, not the Session's

    expired = await driver.answer(step, {"code": code})

    (respond,) = (await hooks.calls("RespondToAuthChallenge"))[-1:]
    assert respond["error"] == "ExpiredCodeException"
    # A new code only comes with a new sign-in, so the gateway starts one over for the person.
    if isinstance(driver, HtmlDriver):
        assert redirected_to(driver, "/login")
        filled, text = login_page_state(expired)
        assert filled == username
        assert CODE_EXPIRED_TEXT in text
    else:
        assert (expired.status, expired.error) == (400, "code_expired")
        assert expired.parameters["restart"] is True
    fresh = await driver.login(username, PASSWORD)
    done = await driver.answer(fresh, {"code": await hooks.latest_code(username)})
    assert done.signed_in


# --- a stale tab ---------------------------------------------------------------------------------


async def test_stale_tab_answer_makes_no_cognito_call(
    driver: Driver, hooks: EmulatorHooks
) -> None:
    choose = await driver.login("choice-user", PASSWORD)
    assert choose.view == "choose-mfa"
    sms = await driver.answer(choose, {"mfa_type": "SMS_MFA"})
    assert sms.view == "sms-code"
    calls_before, sent_before = await cognito_calls(hooks), len(await hooks.messages("choice-user"))

    # The first tab still shows the choice; the person picks email there.
    stale = await driver.answer(choose, {"mfa_type": "EMAIL_OTP"})

    assert await cognito_calls(hooks) == calls_before
    assert len(await hooks.messages("choice-user")) == sent_before
    if isinstance(driver, HtmlDriver):
        assert redirected_to(driver, "/login/sms-code")
        assert (stale.view, stale.error) == ("sms-code", None)
    else:
        assert (stale.status, stale.error) == (409, "challenge_mismatch")
    done = await driver.answer(sms, {"code": await hooks.latest_code("choice-user")})
    assert done.signed_in


async def test_answer_after_sign_in_completed_makes_no_cognito_call(
    driver: Driver, hooks: EmulatorHooks
) -> None:
    step = await driver.login("sms-user", PASSWORD)
    code = await hooks.latest_code("sms-user")
    assert (await driver.answer(step, {"code": code})).signed_in
    calls_before = await cognito_calls(hooks)

    if isinstance(driver, HtmlDriver):
        # The old page's form token was bound to the flow cookie, which sign-in removed: the
        # answer is refused unsent, and the person lands on the signed-in page.
        assert step.page is not None
        replayed = await driver.submit(step.page, "/login/sms-code", {"code": code})
        assert (replayed.status, replayed.headers["Location"]) == (303, "/")
    else:
        again = await driver.answer(step, {"code": code})
        assert (again.status, again.error) == (410, "flow_expired")

    assert await cognito_calls(hooks) == calls_before
    assert await driver.session() is not None


async def test_json_step_pins_an_answer_to_one_form_of_mfa_setup(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver = JsonDriver(await make_gateway(
        user_pool_id=MFA_POOL, client_id=MFA_CLIENT, client_secret=MFA_SECRET
    ))
    step = await driver.login("setup-user", PASSWORD)
    assert step.view == "setup-mfa"
    email = await driver.answer(step, {"mfa_type": "EMAIL_OTP"})
    assert email.view == "setup-email"
    before = len(await hooks.calls())
    # The SPA's other tab still shows the method choice: same challenge, another form.
    stale = await driver.answer(step, {"mfa_type": "SOFTWARE_TOKEN_MFA"}, step="setup-mfa")
    assert (stale.status, stale.error) == (409, "challenge_mismatch")
    assert len(await hooks.calls()) == before
    done = await driver.answer(email, {"email": "setup@example.com"}, step="setup-email")
    assert done.view == "email-code"
