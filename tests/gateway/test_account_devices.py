"""Remembered devices in the account area, on both faces, on the real emulator and Redis: the
list names this browser's device, forgetting it (ForgetDevice) clears the device cookie and
the next sign-in asks for MFA again; "forget all"; another key is 404; forgetting needs a
recent sign-in."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from gateway.web.api import OPENAPI
from tests.demo import PASSWORD
from tests.gateway.drivers import GatewayFactory, HtmlDriver, JsonDriver, drive
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.test_devices import POOLS, _cookie, _gateway, _open, _sign_in_with_mfa
from tests.gateway.test_openapi import check


async def devices(api: JsonDriver) -> list[dict[str, Any]]:
    status, body = await api.call("GET", "/auth/account/devices")
    check(OPENAPI, "/auth/account/devices", "get", status, body)
    assert status == 200, body
    found: list[dict[str, Any]] = body["devices"]
    return found


async def test_forget_this_device_then_mfa_is_asked_again(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    client = await _gateway(make_gateway, "always")
    driver = drive(client, face)
    await _sign_in_with_mfa(driver, hooks, "always")
    cookie = _cookie(client)
    assert cookie is not None
    key = _open(cookie, "always").key
    api = JsonDriver(client)
    (listed,) = await devices(api)
    assert listed["key"] == key and listed["this_device"] and listed["remembered"]
    assert listed["name"] == "Browser" and isinstance(listed["last_used_at"], int)

    if isinstance(driver, HtmlDriver):
        shown = await driver.get("/account/devices")
        assert shown.status == 200 and "This device" in shown.text
        action = f"/account/devices/{key}/forget"
        response = await driver.submit(shown, action, {})
        assert response.status == 303
        assert response.headers["Location"] == "/account/devices?notice=device_forgotten"
        after = await driver.get(response.headers["Location"])
        assert "The device is forgotten" in after.text and "No device is remembered" in after.text
    else:
        status, body = await api.call("DELETE", f"/auth/account/devices/{key}")
        assert status == 204, body
    assert [c["error"] for c in await hooks.calls("ForgetDevice")] == [None]
    assert _cookie(client) is None  # this browser's cookie went with its device
    assert await devices(api) == []

    await driver.logout()
    again = await driver.login(POOLS["always"][3], PASSWORD)
    assert again.view == "authenticator-code" and not again.signed_in  # MFA again


async def test_forget_all_and_someone_elses_key(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    client = await _gateway(make_gateway, "ask")
    api = JsonDriver(client)
    await _sign_in_with_mfa(api, hooks, "ask")
    first = _cookie(client)
    client.session.cookie_jar.clear()  # another browser of the same person
    await _sign_in_with_mfa(api, hooks, "ask")
    listed = await devices(api)
    assert len(listed) == 2 and [d["this_device"] for d in listed] == [True, False]
    assert first is not None and listed[1]["key"] == _open(first, "ask").key

    unknown = "us-east-1_00000000-0000-4000-8000-000000000000"
    status, body = await api.call("DELETE", f"/auth/account/devices/{unknown}")
    check(OPENAPI, "/auth/account/devices/{key}", "delete", status, body)
    assert (status, body["error"]["code"]) == (404, "not_found")
    for junk in ("not-a-device", "..%2Fsessions", "x_" + "0" * 60):
        status, body = await api.call("DELETE", f"/auth/account/devices/{junk}")
        assert (status, body["error"]["code"]) == (404, "not_found"), junk

    status, body = await api.call("POST", "/auth/account/devices/forget-all", {})
    assert status == 204, body
    assert len(await hooks.calls("ForgetDevice")) == 3  # the unknown key, then both
    assert _cookie(client) is None
    assert await devices(api) == []


async def test_forgetting_needs_a_recent_sign_in(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    await hooks.advance(-120)  # signed in two minutes ago; recent means within one here
    pool, client_id, secret, _ = POOLS["always"]
    client: TestClient = await make_gateway(user_pool_id=pool, client_id=client_id,
                                            client_secret=secret, remember_devices="always",
                                            reauth_max_age="60")
    api = JsonDriver(client)
    await _sign_in_with_mfa(api, hooks, "always")
    await hooks.advance(120)
    (listed,) = await devices(api)  # listing them is not sensitive
    status, body = await api.call("DELETE", f"/auth/account/devices/{listed['key']}")
    check(OPENAPI, "/auth/account/devices/{key}", "delete", status, body)
    assert (status, body["error"]["code"]) == (401, "reauthentication_required")
    status, body = await api.call("POST", "/auth/account/devices/forget-all")
    assert (status, body["error"]["code"]) == (401, "reauthentication_required")
    pages = HtmlDriver(client)
    shown = await pages.get("/account/devices")
    assert "Sign in again" in shown.text and "/forget" not in shown.html
    assert not await hooks.calls("ForgetDevice")
    assert _cookie(client) is not None


async def test_signed_out_and_forms_without_their_token(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    client = await _gateway(make_gateway, "always")
    api = JsonDriver(client)
    status, body = await api.call("GET", "/auth/account/devices")
    check(OPENAPI, "/auth/account/devices", "get", status, body)
    assert (status, body["error"]["code"]) == (401, "not_signed_in")
    pages = HtmlDriver(client)
    page = await pages.get("/account/devices")
    assert (page.status, page.headers["Location"]) == (303, "/login?return_to=/account/devices")
    await _sign_in_with_mfa(api, hooks, "always")
    (listed,) = await devices(api)
    forged = await pages.post(f"/account/devices/{listed['key']}/forget", {"csrf": "forged"})
    assert forged.status == 403
    assert not await hooks.calls("ForgetDevice")
