"""XSS, CSP and framing (ASVS 14.4, 5.3.3): markup typed by a person or stored in their
account comes back as text; every HTML page carries a nonce-based CSP that refuses inline
script and framing; every <script> and <style> the pages ship carries that response's nonce."""

from __future__ import annotations

import base64

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.demo import MFA_CLIENT, MFA_POOL, MFA_SECRET, PASSWORD, TEMPORARY_PASSWORD
from tests.gateway.drivers import API_HEADERS, GatewayFactory, HtmlDriver, JsonDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.html import Page
from tests.gateway.journeys import STEP_VIEWS, create_user, reach

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAKOUT = "\"'><img src=x onerror=alert(2)>"
# Cognito usernames may hold punctuation and symbols, just not spaces.
USERNAME_PAYLOAD = "\"><svg/onload=alert(3)>"
NAME_PAYLOAD = "</dd><script>alert(4)</script><dd>"


def csp_directives(response: ClientResponse) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        directives[name.lower()] = values
    return directives


async def assert_protected_page(response: ClientResponse, *, secure: bool = True) -> str:
    """The headers and markup every HTML response must have; returns its nonce."""
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = csp_directives(response)
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    scripts = csp["script-src"]
    nonces = [v[len("'nonce-"):-1] for v in scripts if v.startswith("'nonce-")]
    assert len(nonces) == 1, scripts
    nonce = nonces[0]
    assert len(base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))) >= 16
    for loose in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert loose not in scripts, scripts
    assert "'unsafe-inline'" not in csp.get("style-src", [])
    hsts = headers.get("Strict-Transport-Security")
    if secure:
        assert hsts is not None
        assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000
    else:
        assert hsts is None  # plain-http local use: HSTS would break the next visit

    if response.content_type == "text/html":
        page = Page.parse(response.status, str(response.url), await response.text(), {})
        for tag, attributes in page.elements:
            if tag in {"script", "style"}:
                assert attributes.get("nonce") == nonce, (response.url, tag, attributes)
            assert not any(name.startswith("on") for name in attributes), (tag, attributes)
            for name in ("href", "src", "action", "formaction"):
                assert not attributes.get(name, "").lower().startswith("javascript:")
    return nonce


async def test_every_page_of_every_step_has_the_headers_and_nonces(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    responses: list[ClientResponse] = []
    gateways: dict[str, TestClient] = {}
    for view in STEP_VIEWS:
        driver, step, answers = await reach(view, make_gateway, hooks, gateways)
        assert step.page is not None
        # A wrong or malformed answer: the same page again, with an error summary.
        await driver.submit(step.page, f"/login/{view}",
                            {"code": "12"} if "code" in answers else {"mfa_type": "BOGUS",
                                                                       "email": "nope",
                                                                       "new_password": "x"})
        responses += driver.responses

    driver = HtmlDriver(next(iter(gateways.values())))
    driver.client.session.cookie_jar.clear()
    await driver.login("password-user", "wrong password")
    assert (await driver.login("password-user", PASSWORD)).signed_in  # the landing page
    await driver.get("/no/such/page")  # 404
    await driver.get("/logout")  # 405
    await driver.post("/logout", {"csrf": "forged"})  # 403
    await driver.post("/login", {"username": "x" * 300_000})  # 413
    await driver.logout()
    responses += driver.responses

    html = [r for r in responses if r.content_type == "text/html"]
    assert {r.status for r in html} >= {200, 400, 401, 403, 404, 405, 413}
    nonces = [await assert_protected_page(r) for r in responses]
    assert len(set(nonces)) == len(nonces)  # a fresh nonce for every response


async def test_static_files_and_api_answers_are_not_sniffed(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    page = await HtmlDriver(gateway).get("/login")
    assets = [a["href"] for a in page.elements_named("link") if a.get("rel") == "stylesheet"]
    assets += [a["src"] for a in page.elements_named("script")]
    assert len(assets) >= 2
    for asset in assets:
        response = await gateway.get(asset)
        assert response.status == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.content_type in {"text/css", "text/javascript", "application/javascript"}
    api = await gateway.get("/auth/session", headers=API_HEADERS)
    assert api.content_type == "application/json"
    assert api.headers["X-Content-Type-Options"] == "nosniff"


async def test_no_hsts_on_plain_http_local_use(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(cookie_secure="false")
    await assert_protected_page(await gateway.get("/login"), secure=False)


# --- markup comes back as text ----------------------------------------------------------------


def assert_inert(page: Page, *payloads: str) -> None:
    """No payload survives as markup: its raw text is nowhere in the HTML, and the page holds no
    element or attribute that any of them could have introduced."""
    for payload in payloads:
        assert payload not in page.html, payload
    for tag, attributes in page.elements:
        assert not any(name.startswith("on") for name in attributes), (tag, attributes)
    scripts = page.elements_named("script")
    assert all(s.get("src", "").startswith("/static/") for s in scripts), scripts


async def test_a_typed_username_is_shown_back_as_text(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(gateway)
    for payload in (SCRIPT, ATTRIBUTE_BREAKOUT, USERNAME_PAYLOAD):
        step = await driver.login(payload, "wrong password")
        assert step.error == "invalid_credentials" and step.page is not None
        assert_inert(step.page, payload)
        assert step.page.form("/login").fields["username"] == payload  # kept, as text


async def test_markup_in_the_url_and_headers_is_not_reflected(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(gateway)
    return_to = "/" + ATTRIBUTE_BREAKOUT.replace(" ", "")
    page = await driver.get(f"/login?return_to={return_to}&notice={SCRIPT}")
    assert_inert(page, SCRIPT, return_to)
    # Quotes and angle brackets are not URL characters: such a return path is not kept at all.
    assert page.form("/login").fields["return_to"] == "/"
    for path in (f"/{SCRIPT}", f"/login/{SCRIPT}", f"/static/{SCRIPT}"):
        response = await gateway.get(path, allow_redirects=False)
        if response.content_type == "text/html":
            assert_inert(Page.parse(response.status, path, await response.text(), {}), SCRIPT)
    response = await gateway.get("/login", headers={"Accept-Language": f"{SCRIPT},en;q=0.5"})
    assert_inert(Page.parse(200, "/login", await response.text(), {}), SCRIPT)


async def test_account_data_on_every_page_of_a_new_password_sign_in_is_text(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    # An account whose username holds markup, created by an administrator, with no name yet:
    # NEW_PASSWORD_REQUIRED asks for one, and the person types markup into it.
    await create_user(hooks, USERNAME_PAYLOAD, temporary_password=TEMPORARY_PASSWORD,
                      email="markup@example.com")
    driver = HtmlDriver(gateway)
    step = await driver.login(USERNAME_PAYLOAD, TEMPORARY_PASSWORD)
    assert step.view == "new-password" and step.page is not None
    assert_inert(step.page, USERNAME_PAYLOAD)
    assert step.page.form("/login/new-password").fields["username"] == USERNAME_PAYLOAD
    assert "name" in step.page.form("/login/new-password").names

    # A weak password: the page comes back with Cognito's rules as the error detail.
    weak = await driver.answer(step, {"new_password": "weak", "name": NAME_PAYLOAD})
    assert weak.error == "invalid_password" and weak.page is not None
    assert_inert(weak.page, USERNAME_PAYLOAD, NAME_PAYLOAD)

    done = await driver.answer(weak, {"new_password": "Brand-New-Passw0rd!",
                                      "name": NAME_PAYLOAD})
    assert done.signed_in
    landing = await driver.get("/")
    assert_inert(landing, USERNAME_PAYLOAD, NAME_PAYLOAD)
    assert NAME_PAYLOAD in landing.text  # shown, as the text it is

    # The API hands the same values to the SPA as JSON strings, never as HTML.
    api = JsonDriver(gateway)
    user = await api.session()
    assert user is not None and user["name"] == NAME_PAYLOAD
    assert api.responses[-1].content_type == "application/json"


@pytest.mark.parametrize("method", ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"])
async def test_enrolment_pages_show_a_marked_up_username_as_text(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, method: str
) -> None:
    await create_user(hooks, USERNAME_PAYLOAD, pool=MFA_POOL, password=PASSWORD,
                      email="markup@example.com", name=NAME_PAYLOAD)
    driver = HtmlDriver(await make_gateway(user_pool_id=MFA_POOL, client_id=MFA_CLIENT,
                                           client_secret=MFA_SECRET))
    step = await driver.login(USERNAME_PAYLOAD, PASSWORD)
    assert step.view == "setup-mfa" and step.page is not None
    assert_inert(step.page, USERNAME_PAYLOAD)
    step = await driver.answer(step, {"mfa_type": method})
    assert step.page is not None
    # The TOTP page draws the username into the otpauth:// link and the QR code.
    assert_inert(step.page, USERNAME_PAYLOAD)


async def test_static_files_are_cached_for_good_but_static_errors_are_not(
    gateway: TestClient,
) -> None:
    found = await gateway.get("/static/gateway.css")
    assert found.status == 200
    assert "immutable" in found.headers["Cache-Control"]
    missing = await gateway.get("/static/no-such-file.css")
    assert missing.status == 404
    assert missing.headers["Cache-Control"] == "no-store"
