"""Changing the password, on both faces: a wrong current password, then the right one; the
old password no longer signs in and the new one does; a recent sign-in is required; wrong
current passwords spend the sign-in failure budgets."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.web.api import OPENAPI
from tests.demo import PASSWORD, PASSWORD_USER
from tests.gateway.drivers import GatewayFactory, HtmlDriver, JsonDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.test_openapi import check

NEW_PASSWORD = "Fresh-Passw0rd!"


async def fresh_browser(gateway: TestClient) -> JsonDriver:
    gateway.session.cookie_jar.clear()
    return JsonDriver(gateway)


async def change(
    driver: JsonDriver, current: str, new: str, **extra: str
) -> tuple[int, dict[str, Any]]:
    status, body = await driver.call("POST", "/auth/account/password",
                                     {"current_password": current, "new_password": new,
                                      **extra})
    if body is not None:
        check(OPENAPI, "/auth/account/password", "post", status, body)  # as documented
    return status, body or {}


async def test_a_wrong_current_password_then_the_right_one(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    api = JsonDriver(gateway)
    assert (await api.login(PASSWORD_USER, PASSWORD)).signed_in
    status, body = await change(api, "Not-The-Passw0rd!", NEW_PASSWORD)
    assert (status, body["error"]["code"], body["error"]["field"]) == (
        400, "incorrect_password", "current_password")
    status, body = await change(api, PASSWORD, "weak")
    assert (status, body["error"]["code"], body["error"]["field"]) == (
        400, "invalid_password", "new_password")
    assert body["error"]["detail"]  # the rule it broke, as a sentence
    status, body = await change(api, PASSWORD, NEW_PASSWORD, confirm_new_password="typo")
    assert (status, body["error"]["field"]) == (400, "confirm_new_password")
    status, body = await change(api, PASSWORD, "")
    assert (status, body["error"]["code"], body["error"]["field"]) == (
        400, "invalid_request", "new_password")
    assert len(await hooks.calls("ChangePassword")) == 2  # the last two never left
    status, _ = await change(api, PASSWORD, NEW_PASSWORD)
    assert status == 204
    assert await api.session() is not None  # this session stays

    again = await fresh_browser(gateway)
    refused = await again.login(PASSWORD_USER, PASSWORD)
    assert refused.error == "invalid_credentials" and not refused.signed_in
    assert (await again.login(PASSWORD_USER, NEW_PASSWORD)).signed_in


async def test_changing_the_password_on_its_page(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    pages = HtmlDriver(gateway)
    assert (await pages.login(PASSWORD_USER, PASSWORD)).signed_in
    form = await pages.get("/account/password")
    assert form.status == 200
    assert 'id="password-rules"' in form.html and 'data-min="8"' in form.html  # the pool's rules
    assert "csrf" in form.form("/account/password").fields
    for name in ("current_password", "new_password", "confirm_new_password"):
        assert f'name="{name}" type="password"' in form.html, name

    wrong = await pages.submit(form, "/account/password", {
        "current_password": "Not-The-Passw0rd!", "new_password": NEW_PASSWORD,
        "confirm_new_password": NEW_PASSWORD})
    shown = await wrong.text()
    assert wrong.status == 400 and 'data-error-code="incorrect_password"' in shown
    assert 'id="f-current_password"' in shown and 'aria-invalid="true"' in shown
    assert NEW_PASSWORD not in shown  # no password is ever written back into the page

    mismatch = await pages.submit(form, "/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_new_password": NEW_PASSWORD + "x"})
    assert mismatch.status == 400 and 'href="#f-confirm_new_password"' in await mismatch.text()

    weak = await pages.submit(form, "/account/password", {
        "current_password": PASSWORD, "new_password": "weakweak",
        "confirm_new_password": "weakweak"})
    assert weak.status == 400 and "Your password still needs" in await weak.text()

    done = await pages.submit(form, "/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_new_password": NEW_PASSWORD})
    assert (done.status, done.headers["Location"]) == (303, "/account?notice=password_changed")
    account = await pages.get("/account?notice=password_changed")
    assert "Your password was changed." in account.text

    forged = await pages.post("/account/password", {
        "csrf": "forged", "current_password": NEW_PASSWORD, "new_password": PASSWORD})
    assert forged.status == 403
    again = await fresh_browser(gateway)
    assert (await again.login(PASSWORD_USER, NEW_PASSWORD)).signed_in


async def test_changing_the_password_needs_a_recent_sign_in(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    # Signed in two minutes ago, by Cognito's clock; recent means within one here.
    await hooks.advance(-120)
    gateway = await make_gateway(reauth_max_age="60")
    api = JsonDriver(gateway)
    assert (await api.login(PASSWORD_USER, PASSWORD)).signed_in
    status, body = await change(api, PASSWORD, NEW_PASSWORD)
    assert (status, body["error"]["code"]) == (401, "reauthentication_required")
    pages = HtmlDriver(gateway)
    page = await pages.get("/account/password")
    assert page.status == 200 and "Sign in again" in page.text
    assert "/account/password" not in [f.action for f in page.forms]
    # A form posted anyway (a tab left open) is refused the same way, before Cognito.
    token = (await pages.get("/account")).form("/logout").fields["csrf"]
    refused = await pages.post("/account/password", {
        "csrf": token, "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_new_password": NEW_PASSWORD})
    assert refused.status == 401
    assert await hooks.calls("ChangePassword") == []
    again = await pages.get("/login?return_to=/account/password&prompt=login")
    assert again.status == 200 and again.form("/login").fields.get("username") == PASSWORD_USER


async def test_wrong_current_passwords_spend_the_sign_in_failure_budget(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(user_failure_limit="3")
    api = JsonDriver(gateway)
    assert (await api.login(PASSWORD_USER, PASSWORD)).signed_in
    status, _ = await change(api, PASSWORD, NEW_PASSWORD)  # right: gives its slot back
    assert status == 204
    for _ in range(3):
        status, body = await change(api, "Not-The-Passw0rd!", PASSWORD)
        assert body["error"]["code"] == "incorrect_password"
    status, body = await change(api, NEW_PASSWORD, PASSWORD)
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert body["error"]["retry_after"] > 0
    assert len(await hooks.calls("ChangePassword")) == 4  # the refused one never left
    # The same budget as a wrong sign-in password: signing in from here is refused too.
    again = await fresh_browser(gateway)
    assert (await again.login(PASSWORD_USER, NEW_PASSWORD)).error == "rate_limited"


async def test_the_password_page_needs_a_session(gateway: TestClient, hooks: EmulatorHooks
                                                 ) -> None:
    response = await HtmlDriver(gateway).get("/account/password")
    assert (response.status, response.headers["Location"]) == (
        303, "/login?return_to=/account/password")
    status, body = await change(JsonDriver(gateway), PASSWORD, NEW_PASSWORD)
    assert (status, body["error"]["code"]) == (401, "not_signed_in")
