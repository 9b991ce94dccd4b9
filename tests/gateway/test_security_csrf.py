"""CSRF (ASVS 4.2.2; OWASP CSRF cheat sheet; Duende BFF's header rule).

Forms: every form carries a token bound to the cookie that posts it, the login form included
(login CSRF); a missing or foreign token is refused before anything reaches Cognito: 403 for a
token that is missing or not ours, and for one of ours bound to another flow (a stale tab) the
same refusal lands the browser where its own flow stands (test_pages_ux.py) instead.
JSON: every route under /auth/, found by walking the router so a route added later is covered
too, refuses calls without ``X-CSRF: 1`` and bodies a cross-site form could send.
Both faces: every state-changing route refuses a request another site's page sent, as the
browser describes it (``Sec-Fetch-Site``, or ``Origin`` where a browser predates that), token or
not; the site's own requests, and clients that are not browsers, pass.
"""

from __future__ import annotations

import collections
import json

import pytest
from aiohttp.test_utils import TestClient

from gateway.web.api import CSRF_HEADER_EXEMPT
from tests.demo import PASSWORD
from tests.gateway.drivers import API_HEADERS, GatewayFactory, HtmlDriver, JsonDriver, Step
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.html import Page, error_code
from tests.gateway.journeys import STEP_VIEWS, reach
from tests.gateway.observe import jar_value, set_cookies

SESSION_COOKIE = "__Host-gw-session"


async def foreign_token(make_gateway: GatewayFactory) -> str:
    """A genuine token, minted by the gateway for somebody else's browser."""
    stranger = HtmlDriver(await make_gateway())
    return (await stranger.get("/login")).form("/login").fields["csrf"]


def assert_every_form_has_a_token(page: Page) -> None:
    assert page.forms, page.url
    for form in page.forms:
        assert form.method.lower() == "post", (page.url, form.action)
        assert form.fields.get("csrf"), (page.url, form.action)


def without(fields: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in fields.items() if k != name}


# --- forms ------------------------------------------------------------------------------------


async def test_the_login_form_refuses_a_missing_or_foreign_token(
    gateway: TestClient, make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(gateway)
    page = await driver.get("/login")
    assert_every_form_has_a_token(page)
    fields = {**page.form("/login").fields, "username": "password-user", "password": PASSWORD}
    foreign = await foreign_token(make_gateway)

    for forged in (without(fields, "csrf"), {**fields, "csrf": ""}, {**fields, "csrf": foreign},
                   {**fields, "csrf": fields["csrf"][:-2] + "xx"}):
        assert (await driver.post("/login", forged)).status == 403
    # Nor does a token travel without its own cookie (a fresh browser, attacker's token).
    gateway.session.cookie_jar.clear()
    assert (await driver.post("/login", {**fields, "csrf": foreign})).status == 403
    assert await hooks.calls() == []

    # The same form with its own token signs in, so the refusals above were the token's doing.
    step = await driver.login("password-user", PASSWORD)
    assert step.signed_in


@pytest.mark.parametrize("view", STEP_VIEWS)
async def test_every_step_refuses_a_missing_or_foreign_token(
    view: str, make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver, step, answers = await reach(view, make_gateway, hooks)
    assert step.page is not None
    assert_every_form_has_a_token(step.page)
    action = f"/login/{view}"
    fields = {**step.page.form(action).fields, **answers}
    foreign = await foreign_token(make_gateway)
    calls = len(await hooks.calls())

    for forged in (without(fields, "csrf"), {**fields, "csrf": ""},
                   {**fields, "csrf": fields["csrf"][:-2] + "xx"}):
        response = await driver.post(action, forged)
        assert response.status == 403, forged
        assert error_code(await response.text()) == "csrf_failed"
    # A token of ours bound to another flow is what a stale tab sends: refused all the same,
    # and the browser is sent to where its own flow stands rather than to a dead end.
    response = await driver.post(action, {**fields, "csrf": foreign})
    assert (response.status, response.headers["Location"]) == (303, action)
    # "Start over" is a form too, and cancelling someone's sign-in is a state change.
    cancel = step.page.form("/login/cancel").fields
    assert (await driver.post("/login/cancel", without(cancel, "csrf"))).status == 403
    response = await driver.post("/login/cancel", {**cancel, "csrf": foreign})
    assert (response.status, response.headers["Location"]) == (303, action)

    assert len(await hooks.calls()) == calls
    # Still waiting on the same step, and the genuine form still goes through.
    assert (await driver.get(action)).status == 200
    response = await driver.post(action, fields)
    assert response.status == 303
    assert response.headers["Location"] != action


async def test_logout_refuses_a_missing_or_foreign_token(
    gateway: TestClient, make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(gateway)
    step = await driver.login("password-user", PASSWORD)
    assert step.signed_in and step.page is not None
    assert_every_form_has_a_token(step.page)
    fields = step.page.form("/logout").fields
    foreign = await foreign_token(make_gateway)
    calls = len(await hooks.calls())

    for forged in (without(fields, "csrf"), {**fields, "csrf": foreign},
                   {"csrf": foreign, "everywhere": "1"}):
        assert (await driver.post("/logout", forged)).status == 403
    assert len(await hooks.calls()) == calls
    assert await driver.session() is not None  # still signed in


# --- JSON API ---------------------------------------------------------------------------------


def api_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) the running app serves under /auth/, read from its router (the
    routes of mounted sub-applications included, with their prefix)."""
    found = []
    for route in client.server.app.router.routes():
        if route.resource is None:
            continue
        info = route.resource.get_info()
        path = info.get("path") or info.get("formatter", "")
        if not path.startswith("/auth/"):
            continue
        concrete = path.replace("{", "").replace("}", "")  # any value for a placeholder
        found.append((route.method, concrete))
    return found


CROSS_SITE_BODIES = {
    # What an HTML form or a no-preflight fetch() from another site can send.
    "application/x-www-form-urlencoded": b"username=a&password=b",
    "text/plain": b'{"username": "a", "password": "b"}',
    "multipart/form-data; boundary=x": b'--x\r\nContent-Disposition: form-data; name="a"'
                                       b"\r\n\r\nb\r\n--x--\r\n",
}


async def test_every_api_route_requires_the_csrf_header_and_a_json_body(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    routes = api_routes(gateway)
    assert {("POST", "/auth/login"), ("POST", "/auth/challenge"), ("GET", "/auth/session"),
            ("POST", "/auth/logout")} <= set(routes)
    # Exempt routes are documents anyone may read: GET only, no cookies consulted.
    for method, path in routes:
        if path in CSRF_HEADER_EXEMPT:
            assert method in {"GET", "HEAD"}, (method, path)

    # Signed in, and half-way through another sign-in: the cookies a victim's browser would
    # attach are all there, so only the header and the body decide.
    driver = JsonDriver(gateway)
    assert (await driver.login("password-user", PASSWORD)).signed_in
    assert (await driver.login("totp-user", PASSWORD)).view == "authenticator-code"
    calls = len(await hooks.calls())

    for method, path in routes:
        if path in CSRF_HEADER_EXEMPT:
            continue
        for headers in ({}, {"X-CSRF": "0"}, {"X-Csrf": ""}, {"X-Requested-With": "1"}):
            response = await gateway.request(method, path, headers=headers,
                                             json={} if method == "POST" else None,
                                             allow_redirects=False)
            assert response.status in {401, 403}, (method, path, headers)
            if method != "HEAD":
                assert (await response.json())["error"]["code"] == "csrf_failed"
        if method in {"GET", "HEAD", "OPTIONS"}:
            continue
        for content_type, body in CROSS_SITE_BODIES.items():
            response = await gateway.request(
                method, path, data=body, allow_redirects=False,
                headers={**API_HEADERS, "Content-Type": content_type},
            )
            assert response.status == 415, (method, path, content_type)
    assert len(await hooks.calls()) == calls  # nothing reached Cognito

    # The same cookies with the header: still signed in, still waiting for the TOTP code.
    assert (await driver.session()) is not None
    assert jar_value(gateway, SESSION_COOKIE) is not None
    step = await driver.answer(Step(view="authenticator-code", challenge="SOFTWARE_TOKEN_MFA"),
                               {"code": await hooks.totp("totp-user")})
    assert step.signed_in


async def test_no_other_origin_is_granted_cors(gateway: TestClient, hooks: EmulatorHooks) -> None:
    """The header rule holds only while no preflight is ever granted: a page elsewhere that
    could send ``X-CSRF`` could also read the answers."""
    driver = JsonDriver(gateway)
    assert (await driver.login("password-user", PASSWORD)).signed_in
    for origin in ("https://evil.example", "null", "http://127.0.0.1"):
        for method, path in api_routes(gateway):
            preflight = await gateway.options(path, headers={
                "Origin": origin, "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "x-csrf, content-type"})
            actual = await gateway.request(method, path, headers={**API_HEADERS,
                                                                   "Origin": origin})
            for response in (preflight, actual):
                granted = [h for h in response.headers if h.lower().startswith("access-control-")]
                assert granted == [], (origin, method, path, response.status)


# --- where a request comes from (Fetch Metadata, Origin) --------------------------------------

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# What browsers send with a request another site's page made. ``same-site`` is a page on a
# sibling subdomain: another application, refused like any other site.
FOREIGN_SOURCES: list[dict[str, str]] = [
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://blog.gateway.example"},
    {"Sec-Fetch-Site": "cross-origin"},  # no such value: refused, not guessed at
    # A browser from before Fetch Metadata: the Origin alone.
    {"Origin": "https://evil.example"},
    {"Origin": "null"},  # a sandboxed frame, or a page behind a cross-site redirect
    {"Origin": "http://[::1"},  # no parser's idea of a URL: refused, not a 500
]


def unsafe_routes(client: TestClient, step: str) -> list[tuple[str, str]]:
    """Every (method, path) of both faces that may change state, read from the running app's
    router (sub-applications included), with the step pages' placeholder filled in."""
    found = []
    for route in client.server.app.router.routes():
        if route.resource is None or route.method in SAFE_METHODS:
            continue
        info = route.resource.get_info()
        path = info.get("path") or info.get("formatter", "")
        # The step pages' placeholder is a form; any other (a passkey's id) takes any value.
        found.append((route.method, path.format_map(collections.defaultdict(
            lambda: "some-id", step=step))))
    return found


async def test_every_unsafe_route_of_both_faces_refuses_another_sites_request(
    gateway: TestClient, hooks: EmulatorHooks
) -> None:
    routes = unsafe_routes(gateway, "authenticator-code")
    assert {("POST", "/login"), ("POST", "/login/cancel"), ("POST", "/login/authenticator-code"),
            ("POST", "/logout"), ("POST", "/auth/login"), ("POST", "/auth/challenge"),
            ("POST", "/auth/logout")} <= set(routes)
    # Signed in and half-way through another sign-in, with every token those forms carry: the
    # requests below would all go through (sign out, cancel, answer) but for where they come
    # from. A real cross-site request would not even carry the cookies.
    api, pages = JsonDriver(gateway), HtmlDriver(gateway)
    assert (await api.login("password-user", PASSWORD)).signed_in
    step = await api.login("totp-user", PASSWORD)
    assert step.view == "authenticator-code"
    session_token = (await pages.get("/")).form("/logout").fields["csrf"]
    step_page = await pages.get("/login/authenticator-code")
    flow_token = step_page.form("/login/authenticator-code").fields["csrf"]
    calls = len(await hooks.calls())

    for method, path in routes:
        json_face = path.startswith("/auth/")
        for source in FOREIGN_SOURCES:
            if json_face:
                response = await gateway.request(method, path, headers={**API_HEADERS, **source},
                                                 json={})
                refusal = (await response.json())["error"]
                code = refusal["code"]
                # Said as it is, so a developer does not hunt for an expired form.
                assert "another site" in refusal["message"], (method, path, source)
            else:
                token = session_token if path == "/logout" else flow_token
                response = await gateway.request(
                    method, path, headers=source, allow_redirects=False,
                    data={"csrf": token, "username": "password-user", "password": PASSWORD,
                          "challenge": "SOFTWARE_TOKEN_MFA", "code": "000000"})
                code = error_code(await response.text())
            assert (response.status, code) == (403, "csrf_failed"), (method, path, source)
            assert set_cookies(response) == [], (method, path, source)
    assert len(await hooks.calls()) == calls  # nothing reached Cognito

    # Everything is where it was: still signed in, still waiting for the same code.
    assert await api.session() is not None
    assert (await api.answer(step, {"code": await hooks.totp("totp-user")})).signed_in


def site_own_sources(origin: str) -> dict[str, dict[str, str]]:
    """What browsers send with the gateway's own pages' requests (``origin`` is its origin)."""
    return {
        "same-origin": {"Sec-Fetch-Site": "same-origin", "Origin": origin},
        # Typed into the address bar, or a bookmark: the person's own doing.
        "none": {"Sec-Fetch-Site": "none"},
        "origin-only": {"Origin": origin},  # a browser from before Fetch Metadata
        "not-a-browser": {},  # curl, a server-side client: it carries no victim's cookies
    }


@pytest.mark.parametrize("source", ["same-origin", "none", "origin-only", "not-a-browser"])
async def test_the_sites_own_requests_pass(
    source: str, face: str, gateway: TestClient, hooks: EmulatorHooks
) -> None:
    headers = site_own_sources(str(gateway.make_url("/").origin()))[source]
    driver = (HtmlDriver(gateway, headers) if face == "html" else JsonDriver(gateway, headers))
    step = await driver.login("totp-user", PASSWORD)
    assert step.view == "authenticator-code"
    assert (await driver.answer(step, {"code": await hooks.totp("totp-user")})).signed_in
    await driver.logout()
    assert await driver.session() is None


async def test_with_every_feature_on_no_unsafe_route_takes_another_sites_request(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    """The same attack on a gateway with everything this session added switched on: choice
    sign-in and passkeys (autofill included), sign-up, deleting the account, the account
    area's forms and the relay. Signed in, every form's token at hand; every unsafe route of
    both faces still refuses a request another site's page sent, sets no cookie, and nothing
    reaches Cognito or the upstream (a closed port: reaching it would be a 502, not a 403)."""
    from tests.demo import CHOICE_CLIENT, CHOICE_POOL, CHOICE_SECRET, PASSKEY_USER
    from tests.servers import free_port
    gateway = await make_gateway(
        user_pool_id=CHOICE_POOL, client_id=CHOICE_CLIENT, client_secret=CHOICE_SECRET,
        auth_flow="USER_AUTH", public_origin="http://localhost:8000", sign_up="true",
        account_deletion="true", editable_attributes="name,email",
        upstreams=json.dumps({"/api/": {"url": f"http://127.0.0.1:{free_port()}/",
                                        "websocket": True}}))
    routes = unsafe_routes(gateway, "choose-method")
    expected = {("POST", "/signup"), ("POST", "/login/autofill"), ("POST", "/login/forgot"),
                ("POST", "/account/delete"), ("POST", "/account/password"),
                ("POST", "/auth/signup"), ("POST", "/auth/passkeys"), ("*", "/api/{tail}"),
                ("POST", "/auth/account/delete")}
    assert expected <= {(m, p.replace("some-id", "{tail}")) for m, p in routes}, routes
    # The relay takes every method: each unsafe one is tried.
    routes = [(each, path) for method, path in routes
              for each in (("POST", "PUT", "PATCH", "DELETE") if method == "*" else (method,))]
    api, pages = JsonDriver(gateway), HtmlDriver(gateway)
    step = await api.login(PASSKEY_USER, "")
    assert (await api.answer(step, {"choice": "PASSWORD_SRP", "password": PASSWORD})).signed_in
    session_token = (await pages.get("/account")).form("/logout").fields["csrf"]
    calls = len(await hooks.calls())
    for method, path in routes:
        api_face = path.startswith(("/auth/", "/api/"))
        for source in FOREIGN_SOURCES:
            if api_face:
                response = await gateway.request(method, path, json={},
                                                 headers={**API_HEADERS, **source})
                code = (await response.json())["error"]["code"]
            else:
                response = await gateway.request(
                    method, path, headers=source, allow_redirects=False,
                    data={"csrf": session_token, "confirm": "delete", "username": PASSKEY_USER,
                          "password": PASSWORD, "current_password": PASSWORD})
                code = error_code(await response.text())
            assert (response.status, code) == (403, "csrf_failed"), (method, path, source)
            assert set_cookies(response) == [], (method, path, source)
    assert len(await hooks.calls()) == calls  # nothing reached Cognito
    assert await api.session() is not None  # and the account is still there
