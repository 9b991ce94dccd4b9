"""Every demo user signs in, through the hosted pages and through the JSON API, over HTTP to
the emulator with the gateway's own aiobotocore client and a real Redis."""

from __future__ import annotations

import pyotp
import pytest
from aiohttp.test_utils import TestClient

from tests.demo import MFA_CLIENT, MFA_POOL, MFA_SECRET, PASSWORD, TEMPORARY_PASSWORD
from tests.gateway.drivers import Driver, GatewayFactory, HtmlDriver, JsonDriver
from tests.gateway.hooks import EmulatorHooks


def signed_in_as(step_user: dict[str, object] | None, username: str, name: str) -> bool:
    if step_user is None:
        return False
    if "text" in step_user:  # the landing page
        return name in str(step_user["text"])
    return step_user.get("username") == username and step_user.get("name") == name


async def test_password_user(driver: Driver, hooks: EmulatorHooks) -> None:
    step = await driver.login("password-user", PASSWORD)
    assert signed_in_as(step.user, "password-user", "Paula Password")
    assert await driver.session() is not None


async def test_totp_user(driver: Driver, hooks: EmulatorHooks) -> None:
    step = await driver.login("totp-user", PASSWORD)
    assert (step.view, step.challenge) == ("authenticator-code", "SOFTWARE_TOKEN_MFA")
    step = await driver.answer(step, {"code": await hooks.totp("totp-user")})
    assert signed_in_as(step.user, "totp-user", "Tess Totp")


async def test_sms_user(driver: Driver, hooks: EmulatorHooks) -> None:
    step = await driver.login("sms-user", PASSWORD)
    assert (step.view, step.challenge) == ("sms-code", "SMS_MFA")
    assert step.parameters["destination"].endswith("0100")
    assert "+15555550100" not in str(step.parameters)
    step = await driver.answer(step, {"code": await hooks.latest_code("sms-user")})
    assert signed_in_as(step.user, "sms-user", "Sam Sms")


async def test_email_user(driver: Driver, hooks: EmulatorHooks) -> None:
    step = await driver.login("email-user", PASSWORD)
    assert (step.view, step.challenge) == ("email-code", "EMAIL_OTP")
    step = await driver.answer(step, {"code": await hooks.latest_code("email-user")})
    assert signed_in_as(step.user, "email-user", "Emma Email")


@pytest.mark.parametrize(
    ("choice", "view"),
    [("SOFTWARE_TOKEN_MFA", "authenticator-code"), ("SMS_MFA", "sms-code"),
     ("EMAIL_OTP", "email-code")],
)
async def test_choice_user(driver: Driver, hooks: EmulatorHooks, choice: str, view: str) -> None:
    step = await driver.login("choice-user", PASSWORD)
    assert (step.view, step.challenge) == ("choose-mfa", "SELECT_MFA_TYPE")
    assert sorted(step.parameters["options"]) == ["EMAIL_OTP", "SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    step = await driver.answer(step, {"mfa_type": choice})
    assert step.view == view
    code = (await hooks.totp("choice-user") if choice == "SOFTWARE_TOKEN_MFA"
            else await hooks.latest_code("choice-user"))
    step = await driver.answer(step, {"code": code})
    assert signed_in_as(step.user, "choice-user", "Chris Choice")


async def test_new_password_user(driver: Driver, hooks: EmulatorHooks) -> None:
    step = await driver.login("new-password-user", TEMPORARY_PASSWORD)
    assert (step.view, step.challenge) == ("new-password", "NEW_PASSWORD_REQUIRED")
    # The pool's policy refuses a weak password; the person stays on the page.
    weak = await driver.answer(step, {"new_password": "weakpass", "name": "Nora New"})
    assert weak.error == "invalid_password"
    assert weak.view == "new-password"
    step = weak if weak.page else step
    done = await driver.answer(step, {"new_password": "Brand-New-Passw0rd!", "name": "Nora New"})
    assert signed_in_as(done.user, "new-password-user", "Nora New")


async def test_alias_user_with_client_secret(driver: Driver, hooks: EmulatorHooks) -> None:
    step = await driver.login("alias@example.com", PASSWORD)
    assert signed_in_as(step.user, "7d3f0c4e-2b1a-4c5d-9e8f-a1b2c3d4e5f6", "Alex Alias")
    # After the first challenge the internal username travels (and is what SECRET_HASH covers;
    # the emulator refuses a hash over the alias).
    responds = await hooks.calls("RespondToAuthChallenge")
    assert responds[-1]["username"] == "7d3f0c4e-2b1a-4c5d-9e8f-a1b2c3d4e5f6"
    assert responds[-1]["error"] is None


@pytest.fixture
async def mfa_pool_driver(
    request: pytest.FixtureRequest, make_gateway: GatewayFactory
) -> Driver:
    client: TestClient = await make_gateway(
        user_pool_id=MFA_POOL, client_id=MFA_CLIENT, client_secret=MFA_SECRET
    )
    return HtmlDriver(client) if request.param == "html" else JsonDriver(client)


@pytest.mark.parametrize("mfa_pool_driver", ["html", "json"], indirect=True)
async def test_setup_user_enrols_an_authenticator(
    mfa_pool_driver: Driver, hooks: EmulatorHooks
) -> None:
    driver = mfa_pool_driver
    step = await driver.login("setup-user", PASSWORD)
    assert (step.view, step.challenge) == ("setup-mfa", "MFA_SETUP")
    assert sorted(step.parameters["options"]) == ["EMAIL_OTP", "SOFTWARE_TOKEN_MFA"]
    step = await driver.answer(step, {"mfa_type": "SOFTWARE_TOKEN_MFA"})
    assert step.view == "setup-authenticator"
    # What a person's authenticator app does with the secret the page shows.
    secret = step.parameters["secret_code"]
    step = await driver.answer(step, {"code": pyotp.TOTP(secret).now()})
    assert signed_in_as(step.user, "setup-user", "Sid Setup")


@pytest.mark.parametrize("mfa_pool_driver", ["html", "json"], indirect=True)
async def test_setup_user_enrols_email(mfa_pool_driver: Driver, hooks: EmulatorHooks) -> None:
    driver = mfa_pool_driver
    step = await driver.login("setup-user", PASSWORD)
    step = await driver.answer(step, {"mfa_type": "EMAIL_OTP"})
    assert step.view == "setup-email"
    step = await driver.answer(step, {"email": "setup@example.com"})
    assert (step.view, step.challenge) == ("email-code", "EMAIL_OTP")
    step = await driver.answer(step, {"code": await hooks.latest_code("setup-user")})
    assert signed_in_as(step.user, "setup-user", "Sid Setup")
