"""MFA settings in the account area, on both faces, on the real emulator and Redis: adding an
authenticator app (AssociateSoftwareToken and VerifySoftwareToken with the access token, the QR
code drawn on the server) makes the next sign-in ask for its code; turning it off again; the
refusals (a wrong code, a method the person cannot have, no recent sign-in)."""

from __future__ import annotations

from typing import Any

import pyotp
from aiohttp.test_utils import TestClient

from gateway.web.api import OPENAPI
from tests.demo import PASSWORD, PASSWORD_USER
from tests.gateway.drivers import GatewayFactory, HtmlDriver, JsonDriver, drive
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.html import Page
from tests.gateway.test_openapi import check

TOTP = "SOFTWARE_TOKEN_MFA"


async def settings(api: JsonDriver) -> dict[str, Any]:
    status, body = await api.call("GET", "/auth/account/mfa")
    check(OPENAPI, "/auth/account/mfa", "get", status, body)
    assert status == 200, body
    return dict(body)


async def change(api: JsonDriver, **body: Any) -> tuple[int, dict[str, Any]]:
    status, answer = await api.call("POST", "/auth/account/mfa", body)
    check(OPENAPI, "/auth/account/mfa", "post", status, answer)
    return status, answer


async def _add_with_the_api(api: JsonDriver) -> None:
    status, body = await api.call("POST", "/auth/account/mfa/authenticator", {})
    check(OPENAPI, "/auth/account/mfa/authenticator", "post", status, body)
    assert status == 200, body
    secret = body["secret_code"]
    assert f"secret={secret}" in body["otpauth_uri"] and body["otpauth_uri"].startswith(
        "otpauth://totp/")
    assert body["qr_svg"].startswith("<svg") and "<script" not in body["qr_svg"]
    verify = "/auth/account/mfa/authenticator/verify"
    status, body = await api.call("POST", verify, {"code": "000000"})
    check(OPENAPI, verify, "post", status, body)
    assert (status, body["error"]["code"], body["error"]["field"]) == (400, "invalid_code", "code")
    status, body = await api.call("POST", verify, {"code": pyotp.TOTP(secret).now()})
    assert status == 204, body


async def _add_on_the_page(pages: HtmlDriver) -> None:
    shown = await pages.get("/account/mfa")
    assert shown.status == 200 and "Authenticator app" in shown.text
    response = await pages.submit(shown, "/account/mfa/authenticator", {})
    assert response.status == 200
    enrol = Page.parse(200, "/account/mfa/authenticator", await response.text(), {})
    secret = enrol.by_id["totp-secret"].replace(" ", "")
    assert '<figure class="qr"' in enrol.html and "<svg" in enrol.html
    wrong = await pages.submit(enrol, "/account/mfa/authenticator/verify", {"code": "000000"})
    again = Page.parse(wrong.status, "/account/mfa/authenticator/verify", await wrong.text(), {})
    assert wrong.status == 400 and 'data-error-code="invalid_code"' in again.html
    assert again.by_id["totp-secret"].replace(" ", "") == secret  # the same QR code, drawn again
    right = await pages.submit(again, "/account/mfa/authenticator/verify",
                               {"code": pyotp.TOTP(secret).now()})
    assert (right.status, right.headers["Location"]) == (
        303, "/account/mfa?notice=authenticator_added")
    done = await pages.get(right.headers["Location"])
    assert "Your authenticator app is set up" in done.text and "Preferred" in done.text


async def test_add_an_authenticator_then_sign_in_asks_for_it(
    gateway: TestClient, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(gateway, face)
    assert (await driver.login(PASSWORD_USER, PASSWORD)).signed_in  # no MFA yet
    api = JsonDriver(gateway)
    assert await settings(api) == {"enabled": [], "preferred": None,
                                   "available": [TOTP, "EMAIL_OTP"]}  # no phone number
    if isinstance(driver, HtmlDriver):
        await _add_on_the_page(driver)
    else:
        await _add_with_the_api(api)
    assert await settings(api) == {"enabled": [TOTP], "preferred": TOTP,
                                   "available": [TOTP, "EMAIL_OTP"]}
    await driver.logout()

    step = await driver.login(PASSWORD_USER, PASSWORD)
    assert step.view == "authenticator-code" and not step.signed_in
    await hooks.advance(30)  # a later step than the code that verified the app
    done = await driver.answer(step, {"code": await hooks.totp(PASSWORD_USER)})
    assert done.signed_in, done

    # Turned off again: the next sign-in is the password alone.
    if isinstance(driver, HtmlDriver):
        shown = await driver.get("/account/mfa")
        off = await driver.post("/account/mfa", {"csrf": shown.form("/account/mfa").fields[
            "csrf"], "method": TOTP, "enabled": "false"})
        assert (off.status, off.headers["Location"]) == (303, "/account/mfa?notice=mfa_changed")
    else:
        status, body = await change(api, method=TOTP, enabled=False)
        assert status == 200 and body["enabled"] == [] and body["preferred"] is None
    assert (await settings(api))["enabled"] == []
    await driver.logout()
    assert (await driver.login(PASSWORD_USER, PASSWORD)).signed_in


async def test_refusals(gateway: TestClient, hooks: EmulatorHooks) -> None:
    api = JsonDriver(gateway)
    status, body = await api.call("GET", "/auth/account/mfa")
    assert (status, body["error"]["code"]) == (401, "not_signed_in")
    assert (await api.login(PASSWORD_USER, PASSWORD)).signed_in
    for sent, field in (({"method": "WEB_AUTHN", "enabled": True}, "method"),
                        ({"method": TOTP}, "enabled"),
                        ({"method": TOTP, "enabled": "yes"}, "enabled"),
                        ({"method": "EMAIL_OTP", "enabled": False, "preferred": True},
                         "preferred")):
        status, body = await change(api, **sent)
        assert (status, body["error"]["code"], body["error"]["field"]) == (
            400, "invalid_request", field), sent
    assert not await hooks.calls("SetUserMFAPreference")  # none of those left
    # Methods the person cannot have: no phone number, no verified authenticator.
    for method in ("SMS_MFA", TOTP):
        status, body = await change(api, method=method, enabled=True)
        assert (status, body["error"]["code"], body["error"]["field"]) == (
            400, "invalid_request", "method"), method
    status, body = await change(api, method="EMAIL_OTP", enabled=True, preferred=True)
    assert status == 200 and body["enabled"] == ["EMAIL_OTP"] and body["preferred"] == "EMAIL_OTP"
    status, body = await api.call("POST", "/auth/account/mfa/authenticator/verify",
                                  {"code": "12ab"})
    assert (status, body["error"]["field"]) == (400, "code")


async def test_changes_need_a_recent_sign_in(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    await hooks.advance(-120)  # signed in two minutes ago; recent means within one here
    gateway = await make_gateway(reauth_max_age="60")
    api = JsonDriver(gateway)
    assert (await api.login(PASSWORD_USER, PASSWORD)).signed_in
    await hooks.advance(120)
    assert (await settings(api))["enabled"] == []  # reading them is not sensitive
    status, body = await change(api, method="EMAIL_OTP", enabled=True)
    assert (status, body["error"]["code"]) == (401, "reauthentication_required")
    for path, sent in (("/auth/account/mfa/authenticator", {}),
                       ("/auth/account/mfa/authenticator/verify", {"code": "123456"})):
        status, body = await api.call("POST", path, sent)
        check(OPENAPI, path, "post", status, body)
        assert (status, body["error"]["code"]) == (401, "reauthentication_required"), path
    assert not await hooks.calls("AssociateSoftwareToken")
    pages = HtmlDriver(gateway)
    shown = await pages.get("/account/mfa")
    assert "Sign in again" in shown.text and 'action="/account/mfa' not in shown.html
    forged = await pages.post("/account/mfa", {"csrf": "forged", "method": "EMAIL_OTP",
                                               "enabled": "true"})
    assert forged.status == 403
    assert not await hooks.calls("SetUserMFAPreference")
