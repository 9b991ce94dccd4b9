"""Getting a browser to a given sign-in step, and adding users the demo seed lacks.

Shared by the security tests, which need to stand on every step page to attack it.
"""

from __future__ import annotations

from typing import Any

from tests.gateway.conftest import (
    MFA_CLIENT,
    MFA_POOL,
    MFA_SECRET,
    PASSWORD,
    POOL,
    TEMPORARY_PASSWORD,
    GatewayFactory,
)
from tests.gateway.drivers import HtmlDriver, Step
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import cognito_client

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


async def reach(view: str, make_gateway: GatewayFactory, hooks: EmulatorHooks) -> tuple[
    HtmlDriver, Step, dict[str, str]
]:
    """A browser (on a gateway of its own) waiting on ``view``, and answers that the step
    would accept."""
    if view in _DEMO_POOL_STEPS:
        driver = HtmlDriver(await make_gateway())
        user, password = _DEMO_POOL_STEPS[view]
        step = await driver.login(user, password)
    else:
        driver = HtmlDriver(await make_gateway(
            user_pool_id=MFA_POOL, client_id=MFA_CLIENT, client_secret=MFA_SECRET))
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
