"""A team brands the pages from configuration: name, logo and colour reach every page, and any
template can be replaced from a directory while the rest stay ours."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aiohttp.test_utils import TestClient

from tests.demo import PASSWORD
from tests.gateway.drivers import GatewayFactory, HtmlDriver
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.html import Page, error_code

ENGLISH: dict[str, str] = json.loads(
    (Path(__file__).parents[2] / "gateway" / "web" / "locales" / "en.json")
    .read_text(encoding="utf-8")
)
ACME = {
    "brand_name": "Acme Bank",
    "brand_logo_url": "https://cdn.acme.example/brand/logo.svg",
    "brand_color": "#0b5d1e",
}


def csp(page: Page) -> dict[str, list[str]]:
    policy = page.headers["Content-Security-Policy"]
    return {name: values for name, *values in
            (directive.split() for directive in policy.split(";") if directive.strip())}


def branding_of(page: Page) -> dict[str, str | None]:
    """What a person (and the browser) gets of the brand on one page."""
    title = re.search(r"<title>(.*?)</title>", page.html, re.S)
    style = re.search(r'<style nonce="([^"]+)">(.*?)</style>', page.html, re.S)
    colour = re.search(r"--brand:\s*(#[0-9a-fA-F]{6})", style.group(2)) if style else None
    name = re.search(r'<span class="brand__name">(.*?)</span>', page.html, re.S)
    logos = [img for img in page.elements_named("img") if img.get("class") == "brand__logo"]
    return {
        "title": " ".join(title.group(1).split()) if title else None,
        "name": name.group(1).strip() if name else None,
        "logo": logos[0]["src"] if logos else None,
        "logo_alt": logos[0].get("alt") if logos else None,
        "colour": colour.group(1) if colour else None,
        "style_nonce_allowed": str(style is not None
                                   and f"'nonce-{style.group(1)}'" in csp(page)["style-src"]),
    }


async def test_brand_name_logo_and_colour_reach_every_page(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(await make_gateway(**ACME))
    login = await driver.get("/login")
    step = await driver.login("sms-user", PASSWORD)
    assert step.page is not None

    for page, title in ((login, ENGLISH["page.login.title"]),
                        (step.page, ENGLISH["page.sms-code.title"])):
        assert branding_of(page) == {
            "title": f"{title} · Acme Bank",
            "name": "Acme Bank",
            "logo": ACME["brand_logo_url"],
            "logo_alt": "",  # decorative: the name is written beside it
            "colour": "#0b5d1e",
            "style_nonce_allowed": "True",
        }
        # Only the logo's origin is added to what images may load; styles stay nonce-only.
        assert csp(page)["img-src"] == ["'self'", "data:", "https://cdn.acme.example"]
        assert "'unsafe-inline'" not in csp(page)["style-src"]
    assert ENGLISH["page.login.heading"].format(brand="Acme Bank") in login.text


async def test_default_look_without_branding(gateway: TestClient, hooks: EmulatorHooks) -> None:
    page = await HtmlDriver(gateway).get("/login")
    branding = branding_of(page)
    assert (branding["logo"], branding["colour"]) == (None, "#2f5bd3")
    assert csp(page)["img-src"] == ["'self'", "data:"]


# A team's own sign-in page: their words and layout, our layout, macros and translations.
CUSTOM_LOGIN = """{% extends "base.html" %}
{% import "_form.html" as form with context %}
{% block title %}Acme staff portal{% endblock %}
{% block content %}
<h1 id="custom-heading">Welcome to the Acme staff portal</h1>
{{ form.error_summary(error_summary) }}
<form method="post" action="/login">
  {{ form.hidden() }}
  <input type="hidden" name="return_to" value="{{ return_to }}">
  {{ form.input("username", "Staff number", value=username, autocomplete="username") }}
  {{ form.input("password", t('field.password'), type="password",
                autocomplete="current-password") }}
  <button type="submit" class="button">Enter</button>
</form>
{% endblock %}
"""


async def test_a_template_directory_replaces_one_page_and_keeps_the_rest(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, tmp_path: Path
) -> None:
    (tmp_path / "login.html").write_text(CUSTOM_LOGIN, encoding="utf-8")
    driver = HtmlDriver(await make_gateway(template_dir=str(tmp_path), **ACME))

    login = await driver.get("/login")
    assert login.by_id["custom-heading"] == "Welcome to the Acme staff portal"
    assert branding_of(login)["title"] == "Acme staff portal · Acme Bank"  # our base.html
    assert branding_of(login)["colour"] == "#0b5d1e"
    assert "Staff number" in login.text and ENGLISH["field.password"] in login.text

    # Their form signs in (CSRF token and all), and the next page is ours again.
    response = await driver.submit(login, "/login", {"username": "sms-user",
                                                     "password": PASSWORD})
    assert (response.status, response.headers["Location"]) == (303, "/login/sms-code")
    step = await driver.get("/login/sms-code")
    assert ENGLISH["page.sms-code.heading"] in step.text
    assert "custom-heading" not in step.by_id
    assert branding_of(step)["name"] == "Acme Bank"

    # A refused password comes back through their template, with our error summary.
    other = HtmlDriver(await make_gateway(template_dir=str(tmp_path), **ACME))
    refused = await other.login("sms-user", "Wrong-Passw0rd!")
    assert refused.page is not None and refused.status == 401
    assert refused.page.by_id["custom-heading"] == "Welcome to the Acme staff portal"
    assert "error-summary" in refused.page.by_id
    assert error_code(refused.page) == "invalid_credentials"
