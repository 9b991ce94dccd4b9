"""Passkeys through the gateway, on the emulator (which verifies registrations and assertions
with py_webauthn): a signed-in person registers one over the JSON API, then signs in with it
through both faces; a sensitive change wants a recent sign-in; removing one; the page."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp.test_utils import TestClient

from tests.demo import CHOICE_CLIENT, CHOICE_POOL, CHOICE_SECRET, PASSKEY_USER, PASSWORD
from tests.emulator.soft_authenticator import SoftAuthenticator
from tests.gateway.drivers import GatewayFactory, HtmlDriver, JsonDriver, drive
from tests.gateway.hooks import EmulatorHooks

ORIGIN = "http://localhost:8000"  # where the browser would see the gateway


async def passkey_gateway(make_gateway: GatewayFactory, **overrides: str) -> TestClient:
    return await make_gateway(user_pool_id=CHOICE_POOL, client_id=CHOICE_CLIENT,
                              client_secret=CHOICE_SECRET, auth_flow="USER_AUTH",
                              public_origin=ORIGIN, **overrides)


async def with_password(driver: JsonDriver) -> None:
    step = await driver.login(PASSKEY_USER, "")
    assert (await driver.answer(step, {"choice": "PASSWORD_SRP", "password": PASSWORD})
            ).signed_in


async def register(driver: JsonDriver, authenticator: SoftAuthenticator) -> list[dict[str, Any]]:
    status, body = await driver.call("POST", "/auth/passkeys/options", {})
    assert status == 200, body
    options = body["options"]
    assert options["rp"]["id"] == "localhost"
    credential = authenticator.create(options, ORIGIN)
    status, body = await driver.call("POST", "/auth/passkeys", {"credential": credential})
    assert status == 201, body
    return list(body["passkeys"])


async def test_register_a_passkey_then_sign_in_with_it_on_both_faces(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await passkey_gateway(make_gateway)
    api = JsonDriver(gateway)
    await with_password(api)
    status, body = await api.call("GET", "/auth/passkeys")
    assert (status, body) == (200, {"passkeys": []})
    authenticator = SoftAuthenticator()
    (passkey,) = await register(api, authenticator)
    assert passkey["id"] and passkey["created_at"]
    await api.logout()

    for face in ("json", "html"):
        gateway.session.cookie_jar.clear()
        driver = drive(gateway, face)
        step = await driver.login(PASSKEY_USER, "")
        assert "WEB_AUTHN" in (step.parameters.get("available") or ["WEB_AUTHN"])
        step = await driver.answer(step, {"choice": "WEB_AUTHN"})
        assert (step.view, step.challenge) == ("passkey", "WEB_AUTHN")
        if isinstance(driver, HtmlDriver):
            assert step.page is not None
            block = re.search(r'<script type="application/json" id="passkey-options">(.*?)'
                              r"</script>", step.page.html, re.S)
            assert block is not None  # the options, as data for passkey.js: no inline script
            options = json.loads(block.group(1))
        else:
            options = step.parameters["credential_request_options"]
        assert options["rpId"] == "localhost" and options["challenge"]
        assertion = authenticator.get(json.dumps(options), ORIGIN)
        done = await driver.answer(step, {"credential": assertion})
        assert done.signed_in, (face, done)
    answered = [c["challenge"] for c in await hooks.calls("RespondToAuthChallenge")][-2:]
    assert answered == ["SELECT_CHALLENGE", "WEB_AUTHN"]


async def test_a_passkey_from_another_origin_is_refused(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await passkey_gateway(make_gateway)
    api = JsonDriver(gateway)
    await with_password(api)
    authenticator = SoftAuthenticator()
    await register(api, authenticator)
    step = await api.answer(await api.login(PASSKEY_USER, ""), {"choice": "WEB_AUTHN"})
    phished = authenticator.get(json.dumps(step.parameters["credential_request_options"]),
                                "https://login.evil.example")
    refused = await api.answer(step, {"credential": phished})
    assert refused.error == "invalid_credentials" and not refused.signed_in


async def test_a_malformed_credential_never_reaches_cognito(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await passkey_gateway(make_gateway)
    api = JsonDriver(gateway)
    await with_password(api)
    await register(api, SoftAuthenticator())
    step = await api.answer(await api.login(PASSKEY_USER, ""), {"choice": "WEB_AUTHN"})
    calls = len(await hooks.calls())
    for junk in ("not json", "[]", '{"id": "x"}', "{}"):
        refused = await api.answer(step, {"credential": junk})
        assert (refused.error, refused.parameters.get("field")) == ("invalid_request",
                                                                     "credential"), junk
    assert len(await hooks.calls()) == calls


async def test_adding_a_passkey_needs_a_recent_sign_in(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    # Signed in two minutes ago, by Cognito's clock; recent means within one here.
    await hooks.advance(-120)
    gateway = await passkey_gateway(make_gateway, reauth_max_age="60")
    api = JsonDriver(gateway)
    await with_password(api)
    status, body = await api.call("POST", "/auth/passkeys/options", {})
    assert (status, body["error"]["code"]) == (401, "reauthentication_required")
    status, body = await api.call("GET", "/auth/passkeys")
    assert status == 200  # listing them is not sensitive
    page = await HtmlDriver(gateway).get("/account/passkeys")
    assert "Sign in again" in page.text
    again = await HtmlDriver(gateway).get("/login?return_to=/account/passkeys&prompt=login")
    assert again.status == 200 and again.form("/login").fields.get("username") == PASSKEY_USER


async def test_removing_a_passkey_on_both_faces(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await passkey_gateway(make_gateway)
    api = JsonDriver(gateway)
    await with_password(api)
    authenticator = SoftAuthenticator()
    (first,) = await register(api, authenticator)
    status, _ = await api.call("DELETE", f"/auth/passkeys/{first['id']}")
    assert status == 204
    (second,) = await register(api, authenticator)
    pages = HtmlDriver(gateway)
    listing = await pages.get("/account/passkeys")
    action = f"/account/passkeys/{second['id']}/delete"
    removed = await pages.submit(listing, action, {})
    assert removed.status == 303
    assert removed.headers["Location"] == "/account/passkeys?notice=passkey_removed"
    status, body = await api.call("GET", "/auth/passkeys")
    assert body == {"passkeys": []}
