"""The account journeys through both faces, on the emulator: a forgotten password (a known and
an unknown name answered alike, a wrong code then the right one, the new password works and the
old one does not), a password reset the pool requires leading straight into it, and sign-up
with confirmation (a wrong code, a new code, the right one) then signed in."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.demo import PASSWORD, PASSWORD_USER
from tests.gateway.drivers import GatewayFactory, HtmlDriver, JsonDriver, Step, drive
from tests.gateway.hooks import EmulatorHooks

NEW_PASSWORD = "Fresh-Passw0rd!"
SIGN_UP_POOL = "us-east-1_DemoSignUp1"
MIGRATION_POOL = "us-east-1_DemoMigrate1"
MIGRATION_CLIENT = "8demomigrationclient000008"  # public: no secret
SIGN_UP_CLIENT = "10demosignupclient00000010"
SIGN_UP_SECRET = "10demosignupclientsecret000000000000000000000000010"


async def forgot(driver: HtmlDriver | JsonDriver, username: str) -> Step:
    if isinstance(driver, JsonDriver):
        status, body = await driver.call("POST", "/auth/password/forgot", {"username": username})
        return driver._read(status, body)
    page = await driver.get(f"/login/forgot?username={username}")
    response = await driver.submit(page, "/login/forgot", {"username": username})
    return await driver._land(response)


def shown(step: Step) -> dict[str, object]:
    """What a step shows, the same way on both faces: its form, the masked destination."""
    return {"view": step.view, "challenge": step.challenge, "error": step.error,
            "destination": step.parameters.get("destination")}


async def test_a_forgotten_password_wrong_code_then_right(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await make_gateway(), face)
    step = await forgot(driver, PASSWORD_USER)
    assert (step.view, step.challenge) == ("reset-password", "CONFIRM_FORGOT_PASSWORD")
    code = await hooks.latest_code(PASSWORD_USER)
    wrong = await driver.answer(step, {"code": "000000" if code != "000000" else "111111",
                                       "new_password": NEW_PASSWORD,
                                       "confirm_new_password": NEW_PASSWORD})
    assert (wrong.error, wrong.view) == ("invalid_code", "reset-password")
    done = await driver.answer(wrong, {"code": code, "new_password": NEW_PASSWORD,
                                       "confirm_new_password": NEW_PASSWORD})
    if isinstance(driver, JsonDriver):
        body = driver.responses[-1]
        payload = await body.json()
        assert payload == {"status": "finished", "notice": "password_changed",
                           "username": PASSWORD_USER}
    else:
        assert done.view == "login" and done.page is not None
        assert "Your password was changed." in done.page.text
        assert done.page.form("/login").fields.get("username") == PASSWORD_USER
    assert (await driver.login(PASSWORD_USER, PASSWORD)).error == "invalid_credentials"
    assert (await driver.login(PASSWORD_USER, NEW_PASSWORD)).signed_in


async def test_a_known_and_an_unknown_name_get_the_same_answer(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    gateway = await make_gateway()
    known = shown(await forgot(drive(gateway, face), "password@example.com"))
    gateway.session.cookie_jar.clear()
    unknown_step = await forgot(drive(gateway, face), "nobody@example.com")
    unknown = shown(unknown_step)
    assert known == {**unknown, "destination": known["destination"]}
    assert known["destination"] == "p***@e***" and unknown["destination"] == "n***@e***"
    assert await hooks.messages("nobody@example.com") == []
    # Every code is wrong for the name with no account, as a mistyped one would be.
    wrong = await drive(gateway, face).answer(unknown_step, {
        "code": "123456", "new_password": NEW_PASSWORD, "confirm_new_password": NEW_PASSWORD})
    assert wrong.error == "invalid_code"


async def test_a_reset_the_pool_requires_leads_into_the_journey(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    """A user the pool wants a new password from (here migrated from a legacy directory in
    RESET_REQUIRED): the sign-in, with the right password, leads into the reset."""
    gateway = await make_gateway(user_pool_id=MIGRATION_POOL, client_id=MIGRATION_CLIENT,
                                 client_secret="", auth_flow="USER_PASSWORD_AUTH")
    driver = drive(gateway, face)
    step = await driver.login("legacy-reset-user", "Legacy-Passw0rd!")
    assert (step.view, step.challenge) == ("reset-password", "CONFIRM_FORGOT_PASSWORD"), step
    if step.page is not None:
        assert "must be changed before you can sign in" in step.page.text
    done = await driver.answer(step, {"code": await hooks.latest_code("legacy-reset-user"),
                                      "new_password": NEW_PASSWORD,
                                      "confirm_new_password": NEW_PASSWORD})
    assert done.error is None, done
    assert (await driver.login("legacy-reset-user", NEW_PASSWORD)).signed_in


async def test_a_new_code_on_request_and_the_old_one_still_names_the_step(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver = JsonDriver(await make_gateway())
    step = await forgot(driver, PASSWORD_USER)
    first = await hooks.latest_code(PASSWORD_USER)
    status, body = await driver.call("POST", "/auth/resend")
    assert status == 200 and body["challenge"]["name"] == "CONFIRM_FORGOT_PASSWORD"
    assert len(await hooks.messages(PASSWORD_USER)) == 2
    second = await hooks.latest_code(PASSWORD_USER)
    # The newest code resets the password (the step stayed where it was).
    assert (await driver.answer(step, {"code": second, "new_password": NEW_PASSWORD})
            ).notice == "password_changed"
    assert first  # the first code was sent too


async def sign_up_gateway(make_gateway: GatewayFactory, **overrides: str) -> TestClient:
    return await make_gateway(user_pool_id=SIGN_UP_POOL, client_id=SIGN_UP_CLIENT,
                              client_secret=SIGN_UP_SECRET, sign_up="true",
                              sign_up_attributes="email", auth_flow="USER_AUTH",
                              public_origin="http://localhost:8000", **overrides)


async def sign_up(driver: HtmlDriver | JsonDriver, email: str) -> Step:
    if isinstance(driver, JsonDriver):
        status, body = await driver.call("POST", "/auth/signup", {
            "username": email, "password": NEW_PASSWORD, "attributes": {"email": email}})
        return driver._read(status, body)
    page = await driver.get("/signup")
    response = await driver.submit(page, "/signup", {"username": email, "email": email,
                                                      "password": NEW_PASSWORD})
    return await driver._land(response)


async def test_sign_up_confirm_then_signed_in(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    driver = drive(await sign_up_gateway(make_gateway), face)
    email = f"new-{face}@elsewhere.example"  # not @example.com: the pool's trigger wants a code
    step = await sign_up(driver, email)
    assert (step.view, step.challenge) == ("confirm-sign-up", "CONFIRM_SIGN_UP")
    code = await hooks.latest_code(email)
    wrong = await driver.answer(step, {"code": "000000" if code != "000000" else "111111"})
    assert (wrong.error, wrong.view) == ("invalid_code", "confirm-sign-up")
    done = await driver.answer(wrong, {"code": code})
    assert done.signed_in, done  # ConfirmSignUp's Session into USER_AUTH: no second sign-in


async def test_a_taken_name_is_answered_like_a_new_one(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, face: str
) -> None:
    gateway = await sign_up_gateway(make_gateway)
    first = await sign_up(drive(gateway, face), f"twice-{face}@elsewhere.example")
    gateway.session.cookie_jar.clear()
    again = await sign_up(drive(gateway, face), f"twice-{face}@elsewhere.example")
    assert (again.view, again.challenge, again.error) == (first.view, first.challenge, None)


async def test_sign_up_is_off_unless_asked_for(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway()
    assert (await gateway.get("/signup")).status == 404
    status, _ = await JsonDriver(gateway).call("POST", "/auth/signup", {"username": "x"})
    assert status == 404
    login = await HtmlDriver(gateway).get("/login")
    assert "Create an account" not in login.text and "Forgot your password?" in login.text


@pytest.fixture(autouse=True)
async def _fresh(hooks: EmulatorHooks) -> None:
    """Every test starts from the seed (a password changed here stays changed otherwise)."""


async def test_a_burst_of_resets_sends_no_more_codes_than_the_budget(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    """Forty "forgot your password" at once for one account, raced against the code budget:
    the budget is reserved before Cognito is asked, so a burst cannot overrun it; every answer
    beyond it is a 429 and no mail goes out for it."""
    import asyncio

    gateway = await make_gateway(account_code_limit="3", account_start_limit="10000")

    async def one() -> int:
        async with gateway.post("/auth/password/forgot", json={"username": PASSWORD_USER},
                                headers={"X-CSRF": "1"}) as reply:
            await reply.read()
            return reply.status

    statuses = await asyncio.gather(*(one() for _ in range(40)))
    assert statuses.count(200) == 3 and statuses.count(429) == 37, statuses
    assert len(await hooks.messages(PASSWORD_USER)) == 3


async def test_compressed_and_malformed_bodies_are_refused_unread(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(sign_up="true")
    calls = len(await hooks.calls())
    for path in ("/auth/password/forgot", "/auth/signup", "/auth/resend"):
        gzipped = await gateway.post(path, data=b"\x1f\x8b\x08\x00" + b"\x00" * 64, headers={
            "X-CSRF": "1", "Content-Type": "application/json", "Content-Encoding": "gzip"})
        assert gzipped.status == 415, path
        broken = await gateway.post(path, data=b'{"username": ', headers={
            "X-CSRF": "1", "Content-Type": "application/json"})
        assert broken.status == 400, path
        assert (await broken.json())["error"]["code"] == "invalid_request"
    assert len(await hooks.calls()) == calls
