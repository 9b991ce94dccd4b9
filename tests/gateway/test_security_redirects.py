"""Open redirects (ASVS 5.1.5): wherever a return path enters (the login link, the login form,
the JSON login) and wherever the gateway sends a browser on (after sign-in, at a later visit to
/login, at sign-out), only a path on this site comes out."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from tests.demo import PASSWORD
from tests.gateway.drivers import API_HEADERS, GatewayFactory, HtmlDriver
from tests.gateway.hooks import EmulatorHooks

SITE = "https://gateway.example"

# Each of these has taken a browser off-site somewhere: scheme-relative and backslash forms,
# whitespace and control characters browsers strip, schemes, userinfo, look-alike dots.
PAYLOADS = [
    "//evil.example", "///evil.example", "////evil.example", "/\\evil.example",
    "\\\\evil.example", "/\\/evil.example", "\\/evil.example", "/\t/evil.example",
    "/\n/evil.example", "/\r\n/evil.example", " //evil.example", "\t//evil.example",
    "\x0b//evil.example", "/\x00/evil.example", "//evil.example/%2e%2e",
    "https://evil.example", "http://evil.example/", "HTTPS://evil.example", "https:evil.example",
    "https:/evil.example", "https:\\\\evil.example", "ftp://evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "//gateway.example@evil.example",
    "//evil.example\\@gateway.example", "evil.example", "@evil.example", "./evil", "../evil",
    "//evil\u3002example", "/\u2028/evil.example", "/\u00a0/evil.example", "//%65vil.example",
    "/" + "a" * 3000,  # longer than any return path we keep
]
# Paths on this site that must survive intact (so the check is not just "always /").
KEPT = ["/app", "/app/orders?id=7&tab=open#latest", "/%2F%2Fevil.example", "/@evil.example"]


def assert_same_site(location: str) -> None:
    """What a browser would do with ``location``: it must stay on this site."""
    assert location.startswith("/") and location[1:2] not in {"/", "\\"}, location
    assert all(0x21 <= ord(c) <= 0x7E for c in location), location
    resolved = urlsplit(urljoin(SITE + "/", location))
    assert (resolved.scheme, resolved.netloc) == ("https", "gateway.example"), location


@pytest.fixture
async def fast_gateway(make_gateway: GatewayFactory) -> TestClient:
    # The password flow skips the SRP arithmetic; where a return path goes does not depend on it.
    return await make_gateway(auth_flow="USER_PASSWORD_AUTH")


async def test_the_login_link_never_carries_a_foreign_return_path(
    fast_gateway: TestClient, hooks: EmulatorHooks
) -> None:
    for payload in PAYLOADS + KEPT:
        fast_gateway.session.cookie_jar.clear()
        page = await HtmlDriver(fast_gateway).get(f"/login?{_query(payload)}")
        kept = page.form("/login").fields["return_to"]
        assert_same_site(kept)
        assert kept == (payload if payload in KEPT else "/")


async def test_sign_in_only_ever_lands_on_this_site(
    fast_gateway: TestClient, hooks: EmulatorHooks
) -> None:
    for payload in PAYLOADS + KEPT:
        expected = payload if payload in KEPT else "/"
        # The pages: the form field (a tampered hidden input) ...
        fast_gateway.session.cookie_jar.clear()
        driver = HtmlDriver(fast_gateway)
        form = (await driver.get("/login")).form("/login").fields
        response = await driver.post("/login", {**form, "username": "password-user",
                                                "password": PASSWORD, "return_to": payload})
        assert response.status == 303
        assert_same_site(response.headers["Location"])
        assert response.headers["Location"] == expected
        # ... and a signed-in browser following a crafted login link.
        again = await fast_gateway.get(f"/login?{_query(payload)}", allow_redirects=False)
        assert again.status == 303
        assert again.headers["Location"] == expected

        # The API hands the path to the SPA, which navigates to it.
        fast_gateway.session.cookie_jar.clear()
        reply = await fast_gateway.post("/auth/login", headers=API_HEADERS, json={
            "username": "password-user", "password": PASSWORD, "return_to": payload})
        assert reply.status == 200
        returned = (await reply.json())["return_to"]
        assert_same_site(returned)
        assert returned == expected


async def test_a_return_path_survives_a_second_step_only_if_it_is_safe(
    fast_gateway: TestClient, hooks: EmulatorHooks
) -> None:
    for payload in ("//evil.example", "/\\evil.example", "https://evil.example", KEPT[1]):
        fast_gateway.session.cookie_jar.clear()
        driver = HtmlDriver(fast_gateway)
        form = (await driver.get(f"/login?{_query(payload)}")).form("/login").fields
        response = await driver.post("/login", {**form, "username": "email-user",
                                                "password": PASSWORD, "return_to": payload})
        assert response.headers["Location"] == "/login/email-code"
        step = await driver.get("/login/email-code")
        fields = step.form("/login/email-code").fields
        done = await driver.post("/login/email-code",
                                 {**fields, "code": await hooks.latest_code("email-user")})
        assert done.status == 303
        assert_same_site(done.headers["Location"])
        assert done.headers["Location"] == (payload if payload in KEPT else "/")


async def test_sign_out_goes_to_the_login_page_whatever_it_is_asked(
    fast_gateway: TestClient, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(fast_gateway)
    for payload in PAYLOADS[:12]:
        fast_gateway.session.cookie_jar.clear()
        assert (await driver.login("password-user", PASSWORD)).signed_in
        fields = (await driver.get("/")).form("/logout").fields
        response = await fast_gateway.post(
            f"/logout?{_query(payload)}", allow_redirects=False,
            data={**fields, "return_to": payload, "next": payload, "redirect_uri": payload})
        assert response.status == 303
        assert response.headers["Location"] == "/login?notice=signed_out"


def _query(payload: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"return_to": payload})
