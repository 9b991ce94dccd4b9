"""The profile and deleting the account, on both faces: the editable attributes read and
changed (only those the deployer lists), a new email kept back until its code is entered (a
wrong code, a new code, the right one), a recent sign-in for a new email and for deletion,
and deletion ending every session of the person; off (404) unless the deployer offers it."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.web.api import OPENAPI
from tests.demo import PASSWORD, PASSWORD_USER
from tests.gateway.drivers import GatewayFactory, HtmlDriver, JsonDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.test_account_journeys import NEW_PASSWORD, sign_up
from tests.gateway.test_account_journeys import sign_up_gateway as journeys_gateway
from tests.gateway.test_openapi import check


async def call(driver: JsonDriver, method: str, path: str, body: Any = None
               ) -> tuple[int, dict[str, Any]]:
    status, answer = await driver.call(method, path, body)
    if answer is not None:
        check(OPENAPI, path, method.lower(), status, answer)  # as documented
    return status, answer or {}


async def sign_up_gateway(make_gateway: GatewayFactory, **overrides: str) -> TestClient:
    """The sign-up pool's gateway, asking for the password at once (no choice of factor)."""
    return await journeys_gateway(make_gateway, preferred_challenge="PASSWORD_SRP",
                                  **overrides)


async def signed_up(gateway: TestClient, email: str) -> JsonDriver:
    """A new person of the sign-up pool (its PreSignUp confirms @example.com at once)."""
    api = JsonDriver(gateway)
    step = await sign_up(api, email)
    if not step.signed_in:
        gateway.session.cookie_jar.clear()
        step = await api.login(email, NEW_PASSWORD)
    assert step.signed_in, step
    return api


async def test_reading_and_changing_the_name(make_gateway: GatewayFactory,
                                             hooks: EmulatorHooks) -> None:
    api = JsonDriver(await make_gateway())
    assert (await api.login(PASSWORD_USER, PASSWORD)).signed_in
    status, body = await call(api, "GET", "/auth/account/profile")
    assert status == 200 and set(body["attributes"]) == {"name"} and body["pending"] == {}
    status, body = await call(api, "POST", "/auth/account/profile",
                              {"attributes": {"name": "Ada Lovelace"}})
    assert (status, body["status"], body["attributes"]) == (
        200, "updated", {"name": "Ada Lovelace"})
    status, body = await call(api, "GET", "/auth/account/profile")
    assert body["attributes"] == {"name": "Ada Lovelace"}
    # Only the attributes the deployer lists; nothing reaches Cognito otherwise.
    before = len(await hooks.calls("UpdateUserAttributes"))
    status, body = await call(api, "POST", "/auth/account/profile",
                              {"attributes": {"email": "mallory@example.com"}})
    assert (status, body["error"]["code"], body["error"]["field"]) == (
        400, "invalid_request", "email")
    status, body = await call(api, "POST", "/auth/account/profile", {"attributes": "x"})
    assert (status, body["error"]["field"]) == (400, "attributes")
    assert len(await hooks.calls("UpdateUserAttributes")) == before
    status, body = await call(api, "POST", "/auth/account/verify",
                              {"attribute": "email", "code": "123456"})
    assert (status, body["error"]["field"]) == (400, "attribute")


async def test_a_new_email_waits_for_its_code(make_gateway: GatewayFactory,
                                              hooks: EmulatorHooks) -> None:
    gateway = await sign_up_gateway(make_gateway, editable_attributes="name,email")
    old, new = "profile-json@example.com", "profile-json-new@example.com"
    api = await signed_up(gateway, old)
    status, body = await call(api, "POST", "/auth/account/profile",
                              {"attributes": {"email": new, "name": "Grace"}})
    assert (status, body["status"], body["attribute"]) == (200, "verify", "email")
    assert body["destination"] and new not in body["destination"]  # masked
    status, body = await call(api, "GET", "/auth/account/profile")
    assert body["attributes"] == {"name": "Grace", "email": old}  # the old one stays
    code = await hooks.latest_code(new)
    status, body = await call(api, "POST", "/auth/account/verify",
                              {"attribute": "email", "code": "000000" if code != "000000"
                               else "111111"})
    assert (status, body["error"]["code"], body["error"]["field"]) == (
        400, "invalid_code", "code")
    status, body = await call(api, "POST", "/auth/account/verify/resend",
                              {"attribute": "email"})
    assert (status, body["status"], body["attribute"]) == (200, "verify", "email")
    fresh = await hooks.latest_code(new)
    status, _ = await call(api, "POST", "/auth/account/verify",
                           {"attribute": "email", "code": fresh})
    assert status == 204
    status, body = await call(api, "GET", "/auth/account/profile")
    assert body["attributes"]["email"] == new and body["pending"] == {}


async def test_a_new_email_needs_a_recent_sign_in(make_gateway: GatewayFactory,
                                                  hooks: EmulatorHooks) -> None:
    await hooks.advance(-120)
    gateway = await sign_up_gateway(make_gateway, editable_attributes="name,email",
                                    reauth_max_age="60")
    api = await signed_up(gateway, "profile-stale@example.com")
    status, body = await call(api, "POST", "/auth/account/profile",
                              {"attributes": {"email": "profile-stale-new@example.com"}})
    assert (status, body["error"]["code"]) == (401, "reauthentication_required")
    assert await hooks.calls("UpdateUserAttributes") == []
    status, body = await call(api, "POST", "/auth/account/profile",
                              {"attributes": {"name": "Still Fine"}})  # a name needs none
    assert (status, body["status"]) == (200, "updated")
    pages = HtmlDriver(gateway)
    page = await pages.get("/account/profile")
    refused = await pages.submit(page, "/account/profile",
                                 {"email": "profile-stale-new@example.com"})
    shown = await refused.text()
    assert refused.status == 401 and "Sign in again" in shown


async def test_the_profile_page(make_gateway: GatewayFactory, hooks: EmulatorHooks) -> None:
    gateway = await sign_up_gateway(make_gateway, editable_attributes="name,email")
    old, new = "profile-page@example.com", "profile-page-new@example.com"
    await signed_up(gateway, old)
    pages = HtmlDriver(gateway)
    account = await pages.get("/account")
    assert 'href="/account/profile"' in account.html
    assert 'href="/account/delete"' not in account.html  # deletion is off
    page = await pages.get("/account/profile")
    assert page.status == 200 and "csrf" in page.form("/account/profile").fields
    assert f'value="{old}"' in page.html and 'name="name"' in page.html
    done = await pages.submit(page, "/account/profile", {"name": "Hopper", "email": new})
    assert (done.status, done.headers["Location"]) == (303, "/account/profile?verify=email")
    verify = await pages.get("/account/profile?verify=email")
    assert "/account/profile/verify" in [f.action for f in verify.forms]
    assert f'value="{old}"' in verify.html  # still the old address
    wrong = await pages.submit(verify, "/account/profile/verify", {"code": "99999999"})
    assert wrong.status == 400 and 'data-error-code="invalid_code"' in await wrong.text()
    right = await pages.submit(verify, "/account/profile/verify",
                               {"code": await hooks.latest_code(new)})
    assert right.headers["Location"] == "/account/profile?notice=attribute_verified"
    after = await pages.get("/account/profile?notice=attribute_verified")
    assert f'value="{new}"' in after.html and "Confirmed." in after.text
    forged = await pages.post("/account/profile", {"csrf": "forged", "name": "Mallory"})
    assert forged.status == 403


async def test_deleting_the_account(make_gateway: GatewayFactory, hooks: EmulatorHooks
                                    ) -> None:
    gateway = await sign_up_gateway(make_gateway, account_deletion="true")
    email = "delete-me@example.com"
    api = await signed_up(gateway, email)
    other = await fresh_login(gateway, email)  # a second session of the same person
    status, body = await call(api, "POST", "/auth/account/delete", {"confirm": "nope"})
    assert (status, body["error"]["field"]) == (400, "confirm")
    response = await gateway.post("/auth/account/delete", json={"confirm": "delete"},
                                  headers={"X-CSRF": "1"})
    assert response.status == 204
    assert "Clear-Site-Data" in response.headers
    assert len(await hooks.calls("DeleteUser")) == 1
    assert await api.session() is None
    gateway.session.cookie_jar.update_cookies(other)
    assert await JsonDriver(gateway).session() is None  # the other session ended too
    gateway.session.cookie_jar.clear()
    assert not (await JsonDriver(gateway).login(email, NEW_PASSWORD)).signed_in


async def fresh_login(gateway: TestClient, email: str) -> dict[str, str]:
    """Sign in again in a second "browser"; its cookies, and this browser's back as they were."""
    jar = gateway.session.cookie_jar
    mine = {cookie.key: cookie.value for cookie in jar}
    jar.clear()
    assert (await JsonDriver(gateway).login(email, NEW_PASSWORD)).signed_in
    theirs = {cookie.key: cookie.value for cookie in jar}
    jar.clear()
    jar.update_cookies(mine)
    return theirs


async def test_deleting_on_its_page_needs_a_recent_sign_in(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    await hooks.advance(-120)
    gateway = await sign_up_gateway(make_gateway, account_deletion="true",
                                    reauth_max_age="60")
    await signed_up(gateway, "delete-stale@example.com")
    pages = HtmlDriver(gateway)
    assert 'href="/account/delete"' in (await pages.get("/account")).html
    page = await pages.get("/account/delete")
    assert page.status == 200 and "Sign in again" in page.text
    token = (await pages.get("/account")).form("/logout").fields["csrf"]
    refused = await pages.post("/account/delete", {"csrf": token, "confirm": "delete"})
    assert refused.status == 401
    status, body = await call(JsonDriver(gateway), "POST", "/auth/account/delete",
                              {"confirm": "delete"})
    assert (status, body["error"]["code"]) == (401, "reauthentication_required")
    assert await hooks.calls("DeleteUser") == []


async def test_deleting_on_its_page(make_gateway: GatewayFactory, hooks: EmulatorHooks
                                    ) -> None:
    gateway = await sign_up_gateway(make_gateway, account_deletion="true")
    await signed_up(gateway, "delete-page@example.com")
    pages = HtmlDriver(gateway)
    page = await pages.get("/account/delete")
    assert 'name="understood" type="checkbox"' in page.html
    done = await pages.submit(page, "/account/delete", {"confirm": "delete",
                                                        "understood": "1"})
    assert (done.status, done.headers["Location"]) == (303, "/login?notice=account_deleted")
    login = await pages.get("/login?notice=account_deleted")
    assert "Your account was deleted." in login.text
    assert (await pages.get("/account")).status == 303  # signed out


async def test_deletion_is_off_unless_asked_for(gateway: TestClient) -> None:
    api = JsonDriver(gateway)
    assert (await api.login(PASSWORD_USER, PASSWORD)).signed_in
    status, body = await call(api, "POST", "/auth/account/delete", {"confirm": "delete"})
    assert (status, body["error"]["code"]) == (404, "not_found")
    assert (await gateway.get("/account/delete", allow_redirects=False)).status == 404
