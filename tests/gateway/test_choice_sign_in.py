"""Choice-based sign-in (USER_AUTH) through both faces, on the emulator's Essentials pool: the
username first, then the ways in Cognito offers that person (a passkey, a code by email or text,
the password); each first factor signs in; a wrong code then the right one; an expired code; a
preferred factor asked for straight away; what reaches Cognito."""

from __future__ import annotations

import pyotp
import pytest
from aiohttp.test_utils import TestClient

from cognito_srp import secret_hash
from tests.demo import (
    CHOICE_CLIENT,
    CHOICE_EMAIL_USER,
    CHOICE_PASSWORD_USER,
    CHOICE_POOL,
    CHOICE_SECRET,
    CHOICE_SMS_USER,
    PASSWORD,
)
from tests.gateway.drivers import GatewayFactory, HtmlDriver, Step, drive
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import cognito_client
from tests.gateway.test_cognito_requests import observe


async def choice_gateway(make_gateway: GatewayFactory, **overrides: str) -> TestClient:
    return await make_gateway(user_pool_id=CHOICE_POOL, client_id=CHOICE_CLIENT,
                              client_secret=CHOICE_SECRET, auth_flow="USER_AUTH",
                              public_origin="http://localhost:8000", **overrides)


def offered(step: Step) -> list[str]:
    if step.page is not None:
        return step.page.form(f"/login/{step.view}").options.get("choice", []) or [
            name for name in ("WEB_AUTHN", "EMAIL_OTP", "SMS_OTP", "PASSWORD_SRP", "PASSWORD")
            if f'value="{name}"' in step.page.html]
    return list(step.parameters["available"])


async def test_the_login_form_asks_for_the_username_first(make_gateway: GatewayFactory) -> None:
    page = await HtmlDriver(await choice_gateway(make_gateway)).get("/login")
    form = page.form("/login")
    assert "password" not in form.names and "username" in form.names
    (username,) = [i for i in page.elements_named("input") if i.get("name") == "username"]
    assert username["autocomplete"] == "username webauthn"  # passkey autofill where supported


@pytest.mark.parametrize(("username", "expected"), [
    (CHOICE_EMAIL_USER, {"EMAIL_OTP", "PASSWORD_SRP"}),
    (CHOICE_SMS_USER, {"SMS_OTP", "PASSWORD_SRP"}),
    (CHOICE_PASSWORD_USER, {"PASSWORD_SRP"}),
])
async def test_the_choices_are_what_the_pool_and_the_person_allow(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str, username: str,
    expected: set[str],
) -> None:
    driver = drive(await choice_gateway(make_gateway), face)
    step = await driver.login(username, "")
    assert (step.view, step.challenge) == ("choose-method", "SELECT_CHALLENGE")
    assert set(offered(step)) == expected


async def test_an_emailed_code_wrong_then_right(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await choice_gateway(make_gateway), face)
    step = await driver.login(CHOICE_EMAIL_USER, "")
    step = await driver.answer(step, {"choice": "EMAIL_OTP"})
    assert (step.view, step.challenge) == ("email-code", "EMAIL_OTP")
    code = await hooks.latest_code(CHOICE_EMAIL_USER)
    wrong = await driver.answer(step, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.error == "invalid_code" and wrong.view == "email-code"
    done = await driver.answer(wrong, {"code": code})
    assert done.signed_in, done


async def test_a_text_message_code(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await choice_gateway(make_gateway), face)
    step = await driver.answer(await driver.login(CHOICE_SMS_USER, ""), {"choice": "SMS_OTP"})
    assert (step.view, step.challenge) == ("sms-code", "SMS_OTP")
    assert (await driver.answer(step, {"code": await hooks.latest_code(CHOICE_SMS_USER)})
            ).signed_in


async def test_an_expired_code_starts_over(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await choice_gateway(make_gateway), face)
    step = await driver.answer(await driver.login(CHOICE_EMAIL_USER, ""),
                               {"choice": "EMAIL_OTP"})
    code = await hooks.latest_code(CHOICE_EMAIL_USER)
    await hooks.advance(10 * 60)
    late = await driver.answer(step, {"code": code})
    assert late.error in {"code_expired", "flow_expired"}, late


async def test_the_password_by_srp_in_one_request(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    gateway = await choice_gateway(make_gateway)
    seen = observe(gateway)
    driver = drive(gateway, face)
    step = await driver.login(CHOICE_PASSWORD_USER, "")
    wrong = await driver.answer(step, {"choice": "PASSWORD_SRP", "password": "Wrong-Passw0rd!"})
    assert wrong.error == "invalid_credentials"
    step = await driver.login(CHOICE_PASSWORD_USER, "")
    done = await driver.answer(step, {"choice": "PASSWORD_SRP", "password": PASSWORD})
    assert done.signed_in, done
    initiate = [p for op, p in seen if op == "InitiateAuth"][-1]
    assert initiate["AuthFlow"] == "USER_AUTH"
    assert set(initiate["AuthParameters"]) == {"USERNAME", "SECRET_HASH"}
    answers = [p for op, p in seen if op == "RespondToAuthChallenge"][-2:]
    assert [a["ChallengeName"] for a in answers] == ["SELECT_CHALLENGE", "PASSWORD_VERIFIER"]
    assert answers[0]["ChallengeResponses"]["ANSWER"] == "PASSWORD_SRP"
    assert "PASSWORD" not in answers[0]["ChallengeResponses"]  # SRP: the password stays here
    for answer in answers:
        responses = answer["ChallengeResponses"]
        assert responses["SECRET_HASH"] == secret_hash(responses["USERNAME"], CHOICE_CLIENT,
                                                       CHOICE_SECRET)
    assert PASSWORD not in str(seen)


async def test_a_preferred_factor_is_asked_for_straight_away(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await choice_gateway(make_gateway, preferred_challenge="EMAIL_OTP")
    driver = drive(gateway, "json")
    step = await driver.login(CHOICE_EMAIL_USER, "")
    assert (step.view, step.challenge) == ("email-code", "EMAIL_OTP")
    # The API may name another (a password one with the password), or none at all.
    status, body = await driver.call(  # type: ignore[union-attr]
        "POST", "/auth/login",
        {"username": CHOICE_PASSWORD_USER, "preferred": "PASSWORD_SRP", "password": PASSWORD})
    assert (status, body["status"]) == (200, "authenticated")
    status, body = await driver.call(  # type: ignore[union-attr]
        "POST", "/auth/login", {"username": CHOICE_EMAIL_USER, "preferred": ""})
    assert body["challenge"]["name"] == "SELECT_CHALLENGE"
    status, body = await driver.call(  # type: ignore[union-attr]
        "POST", "/auth/login", {"username": CHOICE_EMAIL_USER, "preferred": "TELEPATHY"})
    assert (status, body["error"]["field"]) == (400, "preferred")


async def test_mfa_after_a_password_choice_still_applies(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    # The person adds an authenticator app (through Cognito, as any app of theirs could).
    async with cognito_client(hooks.url) as cognito:
        signed_in = await cognito.initiate_auth(
            AuthFlow="USER_AUTH", ClientId=CHOICE_CLIENT, AuthParameters={
                "USERNAME": CHOICE_PASSWORD_USER, "PREFERRED_CHALLENGE": "PASSWORD",
                "PASSWORD": PASSWORD,
                "SECRET_HASH": secret_hash(CHOICE_PASSWORD_USER, CHOICE_CLIENT, CHOICE_SECRET)})
        token = signed_in["AuthenticationResult"]["AccessToken"]
        secret = (await cognito.associate_software_token(AccessToken=token))["SecretCode"]
        await cognito.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(secret).now())
        await cognito.set_user_mfa_preference(
            AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    driver = drive(await choice_gateway(make_gateway), face)
    step = await driver.login(CHOICE_PASSWORD_USER, "")
    step = await driver.answer(step, {"choice": "PASSWORD_SRP", "password": PASSWORD})
    assert (step.view, step.challenge) == ("authenticator-code", "SOFTWARE_TOKEN_MFA")
    await hooks.advance(30)  # a code of a later step than the one that enrolled the app
    done = await driver.answer(step, {"code": await hooks.totp(CHOICE_PASSWORD_USER)})
    assert done.signed_in, done


async def test_an_unknown_name_gets_choices_like_anyone_else(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    """The identifier-first form must not tell a stranger which names have accounts: with
    PreventUserExistenceErrors, Cognito offers an unknown name plausible choices, and the
    gateway shows them like any others; the answer then fails like a wrong one."""
    driver = drive(await choice_gateway(make_gateway), face)
    step = await driver.login("nobody-by-this-name@example.com", "")
    assert (step.view, step.challenge) == ("choose-method", "SELECT_CHALLENGE")
    assert "PASSWORD_SRP" in offered(step)
    refused = await driver.answer(step, {"choice": "PASSWORD_SRP", "password": PASSWORD})
    assert refused.error == "invalid_credentials"
