"""Remembered devices through both faces, on the real emulator and Redis: "Remember this
device" after MFA (GATEWAY_REMEMBER_DEVICES=ask) or without asking (always), the next sign-in
answered by device SRP with no MFA step, a device Cognito forgot falling back to MFA with the
cookie cleared, no device secret in clear anywhere, and a stolen device cookie giving nothing
without the password."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from aiohttp.test_utils import TestClient

from gateway.security.sealing import (
    device_cookie_key,
    device_cookie_label,
    seal_cookie,
    unseal_cookie,
)
from gateway.signin.devices import Device
from tests.demo import (
    ALWAYS_DEVICE_USER,
    DEVICE_ALWAYS_CLIENT,
    DEVICE_ALWAYS_POOL,
    DEVICE_ALWAYS_SECRET,
    DEVICE_ASK_CLIENT,
    DEVICE_ASK_POOL,
    DEVICE_ASK_SECRET,
    DEVICE_USER,
    PASSWORD,
    SIGNING_KEY,
)
from tests.gateway.drivers import GatewayFactory, HtmlDriver, JsonDriver, Step, drive
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.observe import cognito_client
from tests.servers import RedisServer

COOKIE = "__Host-gw-device"
POOLS = {
    "ask": (DEVICE_ASK_POOL, DEVICE_ASK_CLIENT, DEVICE_ASK_SECRET, DEVICE_USER),
    "always": (DEVICE_ALWAYS_POOL, DEVICE_ALWAYS_CLIENT, DEVICE_ALWAYS_SECRET, ALWAYS_DEVICE_USER),
}


async def _gateway(make_gateway: GatewayFactory, mode: str) -> TestClient:
    pool, client, secret, _ = POOLS[mode]
    return await make_gateway(user_pool_id=pool, client_id=client, client_secret=secret,
                              remember_devices=mode)


def _cookie(client: TestClient) -> str | None:
    return next((c.value for c in client.session.cookie_jar if c.key == COOKIE), None)


def _open(value: str, mode: str) -> Device:
    pool, client, _, _ = POOLS[mode]
    record = unseal_cookie([device_cookie_key(SIGNING_KEY)], device_cookie_label(pool, client),
                           value)
    return Device.from_record(record)


def _offers_the_box(step: Step) -> bool:
    if step.page is not None:
        return "remember_device" in step.page.form(f"/login/{step.view}").names
    return step.parameters.get("remember_device") is True


async def _answer(driver: HtmlDriver | JsonDriver, step: Step, code: str, tick: bool) -> Step:
    if isinstance(driver, JsonDriver):
        # The API takes the box as a JSON boolean (or "true").
        answers: dict[str, Any] = {"code": code, **({"remember_device": True} if tick else {})}
        status, body = await driver.call("POST", "/auth/challenge",
                                         {"challenge": step.challenge, "answers": answers})
        return driver._read(status, body)
    return await driver.answer(step, {"code": code, **({"remember_device": "1"} if tick else {})})


async def _sign_in_with_mfa(driver: HtmlDriver | JsonDriver, hooks: EmulatorHooks, mode: str,
                            *, tick: bool = True) -> Step:
    username = POOLS[mode][3]
    step = await driver.login(username, PASSWORD)
    assert step.view == "authenticator-code" and step.error is None
    assert _offers_the_box(step) is (mode == "ask")
    await hooks.advance(30)  # a TOTP code of a later step than any used before
    done = await _answer(driver, step, await hooks.totp(username), tick)
    assert done.signed_in, done
    return done


async def _operations(hooks: EmulatorHooks, since: int) -> list[dict[str, Any]]:
    return (await hooks.calls())[since:]


@pytest.mark.parametrize("mode", ["ask", "always"])
async def test_remember_then_the_next_sign_in_skips_mfa(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str, mode: str
) -> None:
    client = await _gateway(make_gateway, mode)
    driver = drive(client, face)
    before = len(await hooks.calls())
    await _sign_in_with_mfa(driver, hooks, mode)
    calls = await _operations(hooks, before)
    operations = [c["operation"] for c in calls]
    assert "ConfirmDevice" in operations
    assert ("UpdateDeviceStatus" in operations) is (mode == "ask")
    assert all(c["error"] is None for c in calls)
    value = _cookie(client)
    assert value is not None
    device = _open(value, mode)
    assert device.username and len(device.password) >= 56  # base64 of 40 bytes
    # The cookie's attributes: HttpOnly, SameSite=Lax, __Host- (Secure, Path=/), 90 days.
    (cookie,) = (c for c in client.session.cookie_jar if c.key == COOKIE)
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert cookie["secure"] and cookie["max-age"] == str(90 * 86400)

    await driver.logout()
    before = len(await hooks.calls())
    again = await driver.login(POOLS[mode][3], PASSWORD)
    assert again.signed_in and again.error is None  # no MFA step
    calls = await _operations(hooks, before)
    answered = [(c["challenge"], c["next_challenge"], c["error"]) for c in calls
                if c["operation"] == "RespondToAuthChallenge"]
    assert answered == [("PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", None),
                        ("DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER", None),
                        ("DEVICE_PASSWORD_VERIFIER", None, None)]
    assert "ConfirmDevice" not in [c["operation"] for c in calls]
    assert _cookie(client) == value


async def test_ask_without_the_box_remembers_nothing(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    client = await _gateway(make_gateway, "ask")
    driver = drive(client, face)
    before = len(await hooks.calls())
    await _sign_in_with_mfa(driver, hooks, "ask", tick=False)
    assert "ConfirmDevice" not in [c["operation"] for c in await _operations(hooks, before)]
    assert _cookie(client) is None


async def test_off_offers_no_box_and_sends_no_device(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    pool, client_id, secret, username = POOLS["ask"]
    client = await make_gateway(user_pool_id=pool, client_id=client_id, client_secret=secret)
    driver = drive(client, face)
    step = await driver.login(username, PASSWORD)
    assert step.view == "authenticator-code" and not _offers_the_box(step)


async def test_a_forgotten_device_falls_back_to_mfa_and_clears_the_cookie(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    client = await _gateway(make_gateway, "ask")
    driver = drive(client, face)
    await _sign_in_with_mfa(driver, hooks, "ask")
    value = _cookie(client)
    assert value is not None
    device = _open(value, "ask")
    async with cognito_client(hooks.url) as cognito:
        await cognito.admin_forget_device(UserPoolId=DEVICE_ASK_POOL, Username=DEVICE_USER,
                                          DeviceKey=device.key)
    await driver.logout()
    step = await driver.login(DEVICE_USER, PASSWORD)
    # MFA as if the device had never been remembered: no error, the box offered again.
    assert step.view == "authenticator-code" and step.error is None and _offers_the_box(step)
    assert _cookie(client) is None
    await hooks.advance(30)
    done = await _answer(driver, step, await hooks.totp(DEVICE_USER), tick=False)
    assert done.signed_in


async def test_no_device_secret_in_clear_in_any_cookie_or_redis_value(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, redis_server: RedisServer, face: str
) -> None:
    client = await _gateway(make_gateway, "ask")
    driver = drive(client, face)
    await _sign_in_with_mfa(driver, hooks, "ask")
    value = _cookie(client)
    assert value is not None
    device = _open(value, "ask")
    secrets = [device.password, device.key, device.group_key,
               device.key.split("_", 1)[1]]  # the key's uuid part alone, too
    cookies = [c.value for c in client.session.cookie_jar]
    assert len(cookies) >= 2  # the session cookie and the device cookie
    with redis.Redis(port=redis_server.port) as r:
        stored = [r.dump(key) or b"" for key in r.scan_iter()]
    assert stored, "the session is in Redis"
    for secret in secrets:
        assert not any(secret in cookie for cookie in cookies)
        assert not any(secret.encode() in blob for blob in stored)


async def test_a_stolen_device_cookie_without_the_password_gives_nothing(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    owner = await _gateway(make_gateway, "ask")
    await _sign_in_with_mfa(drive(owner, face), hooks, "ask")
    value = _cookie(owner)
    assert value is not None

    thief = await _gateway(make_gateway, "ask")
    thief.session.cookie_jar.update_cookies({COOKIE: value}, thief.make_url("/"))
    thieving = drive(thief, face)
    assert await thieving.session() is None  # the cookie is no session
    before = len(await hooks.calls())
    step = await thieving.login(DEVICE_USER, "Wrong-Passw0rd!")
    assert step.error == "invalid_credentials" and not step.signed_in
    calls = await _operations(hooks, before)
    assert [c["challenge"] for c in calls if c["challenge"]] == ["PASSWORD_VERIFIER"]
    assert all(c["next_challenge"] != "DEVICE_SRP_AUTH" for c in calls)

    # A forged cookie (sealed under another key) is no device either: MFA, and it is cleared.
    forged = seal_cookie(device_cookie_key("another-signing-key-0123456789abcdef"),
                         device_cookie_label(DEVICE_ASK_POOL, DEVICE_ASK_CLIENT),
                         _open(value, "ask").to_record())
    thief.session.cookie_jar.update_cookies({COOKIE: forged}, thief.make_url("/"))
    step = await thieving.login(DEVICE_USER, PASSWORD)
    assert step.view == "authenticator-code" and step.error is None
    assert _cookie(thief) is None


@pytest.mark.parametrize("everywhere", [False, True])
async def test_sign_out_keeps_the_remembered_device_unless_everywhere(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, everywhere: bool
) -> None:
    """A browser applies Clear-Site-Data "cookies" to every cookie of the site, the device
    cookie too (the test client's jar does not, which is why the header itself is checked;
    the Chromium test shows the sign-in after it). An ordinary sign-out must spare it; "sign
    out everywhere" is the panic button and forgets this browser's device as well."""
    client = await _gateway(make_gateway, "always")
    driver = JsonDriver(client)
    await _sign_in_with_mfa(driver, hooks, "always")
    status, _ = await driver.call("POST", "/auth/logout", {"everywhere": everywhere})
    assert status == 204
    cleared = driver.responses[-1].headers["Clear-Site-Data"]
    assert ('"cookies"' in cleared) is everywhere
    assert '"cache"' in cleared and '"storage"' in cleared
