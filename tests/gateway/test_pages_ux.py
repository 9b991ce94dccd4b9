"""The hosted pages meet ``ux.md``: checked on the pages a person actually gets, reached through
the real sign-in flow (the gateway's aiobotocore client over HTTP to the emulator, real Redis).

Each test reads the HTML the way a browser or screen reader would: labels tied to inputs by
``for``, ``aria-describedby`` ids that resolve to the message, one heading, one primary button.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pyotp
import pytest
import segno
from playwright.async_api import Browser, Page

import cognito_emulator.errors as cognito_messages
from gateway.signin.model import Challenge, ChallengeName
from gateway.signin.steps.select_mfa import SelectMfaType
from gateway.web.contrast import TEXT_MINIMUM, contrast_ratio
from gateway.web.i18n import Catalogs
from gateway.web.qr import QUIET_ZONE, qr_svg
from gateway.web.render import wait_in_words
from tests.chromium import chromium
from tests.demo import (
    ALIAS_EMAIL,
    ALIAS_ID,
    MFA_CLIENT,
    MFA_POOL,
    MFA_SECRET,
    PASSWORD,
    TEMPORARY_PASSWORD,
)
from tests.gateway.drivers import GatewayFactory, HtmlDriver, JsonDriver, Step
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.html import Page as Parsed
from tests.gateway.html import error_code
from tests.gateway.observe import RedisView, set_cookies
from tests.servers import RedisServer

LOCALES = Path(__file__).parents[2] / "gateway" / "web" / "locales"
ENGLISH: dict[str, str] = json.loads((LOCALES / "en.json").read_text(encoding="utf-8"))
GERMAN: dict[str, str] = json.loads((LOCALES / "de.json").read_text(encoding="utf-8"))

# --- reading a page like a browser ----------------------------------------------------------

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    def walk(self) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.walk()

    def strings(self) -> Iterator[tuple[Element, str]]:
        """Text nodes with the element holding them, as a person would see them."""
        for child in self.children:
            if isinstance(child, str):
                yield self, child
            elif child.tag not in {"script", "style"}:
                yield from child.strings()

    @property
    def text(self) -> str:
        return " ".join(" ".join(text for _, text in self.strings()).split())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        return [e for e in self.walk() if e.tag == tag
                and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def by_id(self, element_id: str) -> Element:
        found = [e for e in self.walk() if e.attrs.get("id") == element_id]
        assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
        return found[0]

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self._current = self.root
        self._glue = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "wbr":  # a place to wrap inside a word: the text on both sides is one string
            self._glue = True
            return
        self._glue = False
        element = Element(tag, {k: v or "" for k, v in attrs}, self._current)
        self._current.children.append(element)
        if tag not in _VOID:
            self._current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._current.children.append(Element(tag, {k: v or "" for k, v in attrs}, self._current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self._current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self._current = node.parent

    def handle_data(self, data: str) -> None:
        children = self._current.children
        if self._glue and children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)
        self._glue = False


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def controls(doc: Element) -> list[Element]:
    """Inputs a person fills in or picks: not hidden ones, not the password managers' copy."""
    return [e for e in doc.walk() if e.tag in {"input", "select", "textarea"}
            and e.attrs.get("type") != "hidden" and e.attrs.get("aria-hidden") != "true"]


def label_of(doc: Element, control: Element) -> str:
    labels = [label for label in doc.find_all("label") if label.attrs.get("for")
              and label.attrs["for"] == control.attrs.get("id")]
    assert len(labels) == 1, f"{control.attrs.get('name')}: {len(labels)} labels point at it"
    return labels[0].text


def described_by(doc: Element, control: Element) -> list[str]:
    """The texts a screen reader reads after the label, each id resolving to one element."""
    return [doc.by_id(i).text for i in control.attrs.get("aria-describedby", "").split()]


def primary_buttons(doc: Element) -> list[Element]:
    return [e for e in doc.walk() if e.tag == "button" and "button" in e.classes
            and "button--secondary" not in e.classes]


# --- reaching every page through the real flow --------------------------------------------

MFA_POOL_GATEWAY = {"user_pool_id": MFA_POOL, "client_id": MFA_CLIENT, "client_secret": MFA_SECRET}

# The demo user whose sign-in stops at each page (setup-* pages: the MFA-required pool), and
# the method chosen on the way for the pages that come after a choice.
USER_FOR = {
    "sms-code": ("sms-user", PASSWORD),
    "email-code": ("email-user", PASSWORD),
    "authenticator-code": ("totp-user", PASSWORD),
    "choose-mfa": ("choice-user", PASSWORD),
    "new-password": ("new-password-user", TEMPORARY_PASSWORD),
    "setup-mfa": ("setup-user", PASSWORD),
    "setup-authenticator": ("setup-user", PASSWORD),
    "setup-email": ("setup-user", PASSWORD),
}
CHOSEN_FIRST = {"setup-authenticator": "SOFTWARE_TOKEN_MFA", "setup-email": "EMAIL_OTP"}
STEPS = tuple(USER_FOR)
PAGES = ("login", *STEPS)


async def open_page(
    make_gateway: GatewayFactory, view: str, headers: dict[str, str] | None = None, **env: Any
) -> tuple[HtmlDriver, Step]:
    """A fresh gateway and browser-like client, standing on ``view``."""
    if view.startswith("setup-"):
        env = {**MFA_POOL_GATEWAY, **env}
    driver = HtmlDriver(await make_gateway(**env), headers)
    if view == "login":
        return driver, Step(view="login", page=await driver.get("/login"))
    username, password = USER_FOR[view]
    step = await driver.login(username, password)
    if view in CHOSEN_FIRST:
        step = await driver.answer(step, {"mfa_type": CHOSEN_FIRST[view]})
    assert step.view == view, (step.view, step.error)
    return driver, step


async def _emulator(hooks: EmulatorHooks, path: str, **params: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(
        f"{hooks.url}/_emulator/{path}", params=params
    ) as reply:
        assert reply.status == 200, await reply.text()
        return await reply.json()


def _code_other_than(*accepted: str) -> str:
    """A well-formed code that is certainly wrong, never wrong by luck."""
    return next(code for code in (str(digit) * 6 for digit in range(10)) if code not in accepted)


async def wrong_answer(hooks: EmulatorHooks, view: str) -> dict[str, str]:
    """An answer the page refuses. Codes are well formed so Cognito itself says no."""
    username, _ = USER_FOR[view]
    match view:
        case "login":
            raise AssertionError("the login page is refused with a wrong password")
        case "sms-code" | "email-code":
            return {"code": _code_other_than(await hooks.latest_code(username))}
        case "authenticator-code" | "setup-authenticator":
            # Cognito accepts the codes of the time steps either side too (RFC 6238 drift).
            secret = (await _emulator(hooks, "totp", username=username))["secret"]
            now = float((await _emulator(hooks, "clock"))["now"])
            totp = pyotp.TOTP(secret)
            return {"code": _code_other_than(*(totp.at(now + d * 30) for d in (-1, 0, 1)))}
        case "choose-mfa" | "setup-mfa":
            return {"mfa_type": "PASSWORD"}  # not a method anyone is offered
        case "new-password":
            return {"new_password": "weakpass", "name": "Nora New"}  # no uppercase letter
        case "setup-email":
            return {"email": "not-an-email"}
        case _:
            raise AssertionError(view)


async def refused_page(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, view: str,
    headers: dict[str, str] | None = None, **env: Any
) -> tuple[HtmlDriver, Step]:
    """``view`` shown again after a wrong answer."""
    driver, step = await open_page(make_gateway, view, headers, **env)
    if view == "login":
        refused = await driver.login("password-user", "Wrong-Passw0rd!")
    else:
        refused = await driver.answer(step, await wrong_answer(hooks, view))
    assert refused.view == view and refused.status >= 400, (refused.view, refused.status)
    return driver, refused


def document(step: Step) -> Element:
    assert step.page is not None
    return parse(step.page.html)


# --- the form rules, on every page -------------------------------------------------------

# What a password manager or phone keyboard needs to know about each field.
AUTOCOMPLETE = {
    "username": "username",
    "password": "current-password",
    "new_password": "new-password",
    "code": "one-time-code",
    "confirm_new_password": "new-password",
    "email": "email",
    "name": "name",
}
INPUT_TYPE = {"password": "password", "new_password": "password",
              "confirm_new_password": "password", "email": "email"}
WAY_BACK = ENGLISH["link.start_over"]  # one label for the one way back, on every step


def check_form_rules(doc: Element, view: str) -> None:
    headings = doc.find_all("h1")
    assert len(headings) == 1 and headings[0].text, "one heading that says the task"

    assert len(primary_buttons(doc)) == 1, "one primary button"
    (primary,) = primary_buttons(doc)
    answer_form = next(a for a in primary.ancestors() if a.tag == "form")
    assert answer_form.attrs["action"] == ("/login" if view == "login" else f"/login/{view}")
    assert primary.attrs.get("type") == "submit" and primary.text

    fields = controls(doc)
    assert fields, "every page asks for something"
    for control in fields:
        name = control.attrs["name"]
        assert label_of(doc, control), f"{name} has a label with text"
        assert "required" in control.attrs, name
        if control.attrs.get("type") == "radio":
            continue  # autocomplete means nothing on a choice
        assert control.attrs.get("autocomplete") == AUTOCOMPLETE[name], name
        assert control.attrs.get("type") == INPUT_TYPE.get(name, "text"), name
        if name == "code":
            assert control.attrs.get("inputmode") == "numeric"
            assert control.attrs.get("pattern") == "[0-9]*"
        if name in {"username", "email"}:
            assert control.attrs.get("autocapitalize") == "none"
            assert control.attrs.get("spellcheck") == "false"

    focused = [e for e in doc.walk() if "autofocus" in e.attrs]
    assert len(focused) <= 1, "browsers honour only the first autofocus"

    if view != "login":
        way_back = doc.find_all("form", action="/login/cancel")
        assert len(way_back) == 1, "a way back on every step"
        assert way_back[0].text == WAY_BACK


def check_error_rules(doc: Element) -> str:
    """The error is announced, summarised at the top, and shown at the field it is about.
    Returns the message."""
    summary = doc.by_id("error-summary")
    assert summary.attrs.get("role") == "alert"
    assert summary.attrs.get("tabindex") == "-1", "gateway.js can move focus to it"
    main = doc.find_all("main")[0]
    first_form = next(e for e in main.walk() if e.tag == "form")
    order = list(main.walk())
    assert order.index(summary) < order.index(first_form), "the summary comes before the form"

    links = summary.find_all("a")
    assert len(links) == 1, "the summary links to the field it is about"
    target = doc.by_id(links[0].attrs["href"].removeprefix("#"))
    assert target in controls(doc), "the link leads to a field"
    assert target.attrs.get("aria-invalid") == "true"
    message = links[0].text
    assert message in described_by(doc, target), "the same message is read at the field"
    focused = [e for e in doc.walk() if "autofocus" in e.attrs]
    assert focused == [target], "without JavaScript, focus lands on the field in error"
    return message


@pytest.mark.parametrize("view", PAGES)
async def test_every_page_follows_the_form_rules(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, view: str
) -> None:
    _, step = await open_page(make_gateway, view)
    doc = document(step)
    check_form_rules(doc, view)
    assert doc.find_all("html")[0].attrs["lang"] == "en"
    assert not [e for e in doc.walk() if e.attrs.get("id") == "error-summary"]


@pytest.mark.parametrize("view", PAGES)
async def test_every_refused_answer_is_shown_at_the_field_and_in_an_announced_summary(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, view: str
) -> None:
    _, refused = await refused_page(make_gateway, hooks, view)
    doc = document(refused)
    check_form_rules(doc, view)
    message = check_error_rules(doc)
    english_errors = {text for key, text in ENGLISH.items() if key.startswith("error.")}
    assert message in english_errors, "a sentence from our catalog"
    # The title is read first when the page loads: it says something is wrong.
    assert doc.find_all("title")[0].text.startswith(ENGLISH["page.title.error"] + " ")


# --- what particular pages promise -----------------------------------------------------------


async def test_username_stays_filled_in_after_a_wrong_password(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(await make_gateway())
    refused = await driver.login("  Password-User ", "Wrong-Passw0rd!")
    doc = document(refused)
    fields = {c.attrs["name"]: c for c in controls(doc)}
    assert fields["username"].attrs.get("value") == "Password-User"
    assert "value" not in fields["password"].attrs, "a refused password is never sent back"
    assert refused.error == "invalid_credentials"


@pytest.mark.parametrize(
    ("view", "kept", "never_sent_back"),
    [("new-password", {"name": "Nora New"}, "new_password"),
     ("setup-email", {"email": "not-an-email"}, None),
     ("sms-code", {}, "code"),
     ("authenticator-code", {}, "code")],
)
async def test_what_was_typed_comes_back_with_the_error_except_secrets_and_codes(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, view: str, kept: dict[str, str],
    never_sent_back: str | None
) -> None:
    _, refused = await refused_page(make_gateway, hooks, view)
    values = {c.attrs["name"]: c.attrs.get("value") for c in controls(document(refused))}
    assert {name: values[name] for name in kept} == kept
    if never_sent_back:
        assert values[never_sent_back] is None


async def test_start_over_leaves_the_step_for_an_empty_sign_in(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver, step = await open_page(make_gateway, "sms-code")
    assert step.page is not None
    response = await driver.submit(step.page, "/login/cancel", {})
    assert (response.status, response.headers["Location"]) == (303, "/login")
    login = await driver.get("/login")
    assert login.form("/login").fields.get("username", "") == ""
    # The abandoned step is gone, not waiting behind the login page.
    assert (await driver.get("/login/sms-code")).headers["Location"] == "/login"


@pytest.mark.parametrize(
    ("view", "shown", "hidden"),
    [("sms-code", "+*******0100", "+15555550100"),
     ("email-code", "e***@e***", "email-user@example.com")],
)
async def test_code_pages_say_where_the_code_went_masked(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, view: str, shown: str, hidden: str
) -> None:
    _, step = await open_page(make_gateway, view)
    doc = document(step)
    intro = ENGLISH[f"page.{view}.intro"].format(destination=shown)
    assert intro in doc.text
    assert step.page is not None and hidden not in step.page.html
    (code,) = controls(doc)
    # Cognito cannot send a sign-in code again; the hint at the field says what to do instead.
    assert ENGLISH["page.code.hint"] in described_by(doc, code)


async def test_new_password_page_shows_the_configured_rules_before_the_field(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    _, step = await open_page(make_gateway, "new-password",
                              password_min_length="12", password_require="upper,number")
    doc = document(step)
    rules = doc.by_id("password-rules")
    assert [li.text for li in rules.find_all("li")] == [
        ENGLISH["password.rule.length"].format(count=12),
        ENGLISH["password.rule.upper"],
        ENGLISH["password.rule.number"],
    ]
    new_password = doc.by_id("f-new_password")
    order = list(doc.walk())
    assert order.index(rules) < order.index(new_password), "rules come before typing"
    assert rules.text in described_by(doc, new_password), "and are read out at the field"
    # The pool requires `name`: asked for with a proper label, type and autocomplete.
    name = doc.by_id("f-name")
    assert label_of(doc, name) == ENGLISH["attribute.name"]
    assert (name.attrs["type"], name.attrs["autocomplete"]) == ("text", "name")
    # Password managers save the new password against the right account.
    (account,) = [e for e in doc.find_all("input") if e.attrs.get("autocomplete") == "username"]
    assert account.attrs["value"] == "new-password-user"


async def test_a_password_cognito_refuses_names_the_broken_rule_in_plain_words(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    _, refused = await refused_page(make_gateway, hooks, "new-password")
    doc = document(refused)
    summary = doc.by_id("error-summary")
    # "weakpass" misses three of the four rules; Cognito names only the first, the page lists
    # every one the password still misses, so nobody meets them one refusal at a time.
    assert ENGLISH["error.invalid_password.rules"] in summary.text
    assert [li.text for li in summary.find_all("li")] == [
        ENGLISH["password.rule.upper"], ENGLISH["password.rule.number"],
        ENGLISH["password.rule.symbol"]]
    assert "Password must have" not in doc.text  # Cognito's own wording


async def test_authenticator_setup_offers_qr_code_typed_secret_and_app_link(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver, step = await open_page(make_gateway, "setup-authenticator")
    doc = document(step)
    # Typed by hand: base32 in groups of four.
    grouped = doc.by_id("totp-secret").text
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", grouped), grouped
    secret = grouped.replace(" ", "")
    # For phones: an otpauth:// link carrying that secret, issued by the brand.
    (link,) = [a for a in doc.find_all("a") if a.attrs.get("href", "").startswith("otpauth://")]
    uri = link.attrs["href"]
    query = parse_qs(urlsplit(uri).query)
    assert (query["secret"], query["issuer"]) == ([secret], ["Demo App"])
    assert urlsplit(uri).path.endswith(":setup-user")
    # Scanned: an SVG drawn on the server (no image fetched from anywhere), named for screen
    # readers, and it is the QR code of that very link.
    (figure,) = [f for f in doc.find_all("figure") if "qr" in f.classes]
    assert figure.attrs.get("role") == "img" and figure.attrs.get("aria-label")
    assert not doc.find_all("img"), "no QR service, no image request"
    assert step.page is not None
    drawn = re.search(r"<svg.*?</svg>", step.page.html, re.S)
    assert drawn is not None
    assert drawn.group(0) == qr_svg(uri)
    # No autofocus here: on a phone it would scroll the QR code away under the keyboard.
    assert not [e for e in doc.walk() if "autofocus" in e.attrs]
    # What an authenticator app does with the typed secret completes the sign-in.
    done = await driver.answer(step, {"code": pyotp.TOTP(secret).now()})
    assert done.signed_in


@pytest.mark.parametrize("view", ["choose-mfa", "setup-mfa"])
async def test_mfa_methods_have_plain_names(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, view: str
) -> None:
    _, step = await open_page(make_gateway, view)
    doc = document(step)
    offered = {c.attrs["value"]: label_of(doc, c) for c in controls(doc)}
    assert offered == {method: ENGLISH[f"mfa.{method}"] for method in offered}
    assert set(offered.values()) <= {"Authenticator app", "Text message", "Email"}
    assert not any(method in doc.text for method in offered), "no Cognito enum on screen"


def _cognito_messages() -> list[str]:
    return [value for name, value in vars(cognito_messages).items()
            if name.isupper() and isinstance(value, str) and " " in value]


@pytest.mark.parametrize("view", ["login", "sms-code", "authenticator-code", "new-password"])
async def test_no_raw_cognito_message_reaches_the_page(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, view: str
) -> None:
    _, refused = await refused_page(make_gateway, hooks, view)
    assert (await hooks.calls())[-1]["error"], "Cognito itself refused the answer"
    text = document(refused).text
    raw = _cognito_messages()
    assert raw, "the emulator's messages were found"
    assert [message for message in raw if message in text] == []


# --- languages ------------------------------------------------------------------------------

GERMAN_BROWSER = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def test_german_translates_every_english_sentence() -> None:
    assert set(GERMAN) == set(ENGLISH)
    placeholders = re.compile(r"\{(\w+)\}")
    for key, english in ENGLISH.items():
        assert set(placeholders.findall(GERMAN[key])) == set(placeholders.findall(english)), key
    same = [key for key in ENGLISH if GERMAN[key] == ENGLISH[key]]
    # Words German borrows as they are; anything else left in English is a missed translation.
    assert set(same) <= {"attribute.website"}, same


@pytest.mark.parametrize(
    ("header", "language"),
    [("de", "de"), ("de-CH", "de"), ("fr-FR, de;q=0.5", "de"), ("en, de;q=0.5", "en"),
     ("DE-AT", "de"), ("de;q=0", "en")],
)
def test_accept_language_picks_german_when_preferred(header: str, language: str) -> None:
    assert Catalogs().negotiate(header) == language


async def test_pages_speak_german_to_a_german_browser(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    _, login = await open_page(make_gateway, "login", GERMAN_BROWSER)
    doc = document(login)
    assert doc.find_all("html")[0].attrs["lang"] == "de"
    assert doc.find_all("h1")[0].text == GERMAN["page.login.heading"] == "Anmelden"
    assert primary_buttons(doc)[0].text == GERMAN["button.sign_in"] == "Anmelden"
    assert label_of(doc, doc.by_id("f-username")) == GERMAN["field.username"]

    _, refused = await refused_page(make_gateway, hooks, "login", GERMAN_BROWSER)
    summary = document(refused).by_id("error-summary").text
    assert GERMAN["error.summary"] in summary and GERMAN["error.invalid_credentials"] in summary

    _, sms = await open_page(make_gateway, "sms-code", GERMAN_BROWSER)
    assert "Wir haben einen Code an +*******0100 gesendet." in document(sms).text


async def test_german_password_rules_and_refusal(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    _, refused = await refused_page(make_gateway, hooks, "new-password", GERMAN_BROWSER)
    doc = document(refused)
    assert "mindestens 8 Zeichen" in doc.by_id("password-rules").text
    summary = doc.by_id("error-summary")
    assert "Ihr Passwort braucht noch:" in summary.text
    assert "einen Großbuchstaben" in [li.text for li in summary.find_all("li")]
    assert label_of(doc, doc.by_id("f-name")) == "Vollständiger Name"


async def test_json_errors_speak_german_to_a_german_client(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    client = JsonDriver(await make_gateway(), GERMAN_BROWSER)
    refused = await client.login("password-user", "Wrong-Passw0rd!")
    assert (refused.error, refused.parameters["message"]) == (
        "invalid_credentials", GERMAN["error.invalid_credentials"])

    step = await client.login("new-password-user", TEMPORARY_PASSWORD)
    weak = await client.answer(step, {"new_password": "weakpass", "name": "Nora New"})
    assert weak.parameters["message"] == GERMAN["error.invalid_password"]
    assert weak.parameters["detail"] == "Ihr Passwort braucht einen Großbuchstaben."


async def test_a_sentence_missing_from_german_falls_back_to_english(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, tmp_path: Path
) -> None:
    (tmp_path / "en.json").write_text(json.dumps(ENGLISH), encoding="utf-8")
    incomplete = {k: v for k, v in GERMAN.items() if k != "button.sign_in"}
    (tmp_path / "de.json").write_text(json.dumps(incomplete), encoding="utf-8")

    _, login = await open_page(make_gateway, "login", GERMAN_BROWSER,
                               create_kwargs={"catalogs": Catalogs(tmp_path)})
    doc = document(login)
    assert doc.find_all("html")[0].attrs["lang"] == "de"
    assert doc.find_all("h1")[0].text == GERMAN["page.login.heading"] == "Anmelden"
    assert primary_buttons(doc)[0].text == ENGLISH["button.sign_in"]


# --- every word on the pages comes from the catalog ------------------------------------------

MARK = re.compile(r"⟦[\w.-]+⟧")


def _marker_catalog(directory: Path) -> Catalogs:
    """English where every sentence is replaced by its key: ``⟦button.sign_in⟧``."""
    (directory / "en.json").write_text(
        json.dumps({key: f"⟦{key}⟧" for key in ENGLISH}), encoding="utf-8"
    )
    return Catalogs(directory)


def hard_coded_text(doc: Element) -> list[str]:
    """Visible words and accessible names that did not come from the catalog. The person's own
    data (the profile on the signed-in page, the TOTP secret) is not text we wrote."""
    found = []
    for element, text in doc.strings():
        own_data = element.tag == "dd" or element.attrs.get("id") == "totp-secret"
        rest = MARK.sub("", text)
        if not own_data and any(ch.isalpha() for ch in rest):
            found.append(rest.strip())
    for element in doc.walk():
        for name in ("alt", "title", "aria-label", "placeholder"):
            rest = MARK.sub("", element.attrs.get(name, ""))
            if any(ch.isalpha() for ch in rest):
                found.append(f"{element.tag}[{name}]={rest}")
    return found


async def test_every_word_on_every_page_comes_from_the_catalog(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, tmp_path: Path
) -> None:
    env = {"brand_name": "⟦brand⟧", "create_kwargs": {"catalogs": _marker_catalog(tmp_path)}}
    seen: dict[str, Element] = {}
    for view in PAGES:
        _, step = await open_page(make_gateway, view, **env)
        seen[view] = document(step)
        _, refused = await refused_page(make_gateway, hooks, view, **env)
        seen[f"{view}, refused"] = document(refused)
    driver = HtmlDriver(await make_gateway(**env))
    signed_in = await driver.login("password-user", PASSWORD)
    seen["signed-in"] = document(signed_in)
    await driver.logout()
    seen["signed out"] = parse((await driver.get("/login?notice=signed_out")).html)
    seen["error"] = parse((await driver.get("/no-such-page")).html)

    assert "⟦page.signed-in.heading⟧" in seen["signed-in"].text, "the markers are in use"
    assert {view: hard_coded_text(doc) for view, doc in seen.items()} == {
        view: [] for view in seen
    }


# --- in a real browser: the pages the keyboard walk in tests/browser does not visit ----------

SMALL_SCREEN = {"width": 320, "height": 640}

# Every element holding text, its computed colour, and the first opaque background behind it.
_TEXT_COLOURS = """() => {
  const opaque = (c) => c !== "transparent" && !/^rgba\\(.*,\\s*0\\)$/.test(c);
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const text = [...el.childNodes].filter((n) => n.nodeType === 3)
      .map((n) => n.textContent.trim()).join(" ").trim();
    if (!text || !el.getClientRects().length) continue;
    let background = null;
    for (let node = el; node && !background; node = node.parentElement) {
      const c = getComputedStyle(node).backgroundColor;
      if (opaque(c)) background = c;
    }
    found.push({text: text.slice(0, 40), color: getComputedStyle(el).color, background});
  }
  return found;
}"""


def _channels(css: str) -> str:
    """``rgb(1, 2, 3)`` or ``color(srgb 0.1 0.2 0.3)`` (how Chromium reports color-mix) as
    ``#rrggbb``."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css.split("(", 1)[1])][:3]
    scale = 255 if css.startswith("color(") else 1
    return "#" + "".join(f"{round(n * scale):02x}" for n in numbers)


async def _browse_to(page: Page, base: str, view: str) -> None:
    """Walk to ``view`` the way a person does: labels and buttons named by the catalog."""
    await page.goto(f"{base}/login")
    refused = view == "login, refused"
    username, password = USER_FOR.get(view, ("password-user", PASSWORD))
    await page.get_by_label(ENGLISH["field.username"]).fill(username)
    await page.get_by_label(ENGLISH["field.password"], exact=True).fill(
        "Wrong-Passw0rd!" if refused else password)
    await page.get_by_role("button", name=ENGLISH["button.sign_in"]).click()
    if refused:
        await page.locator("#error-summary").wait_for()
        return
    if view in CHOSEN_FIRST:
        await page.get_by_label(ENGLISH[f"mfa.{CHOSEN_FIRST[view]}"], exact=True).check()
        await page.get_by_role("button", name=ENGLISH["button.continue"]).click()
    await page.wait_for_url(f"**/login/{view}", wait_until="domcontentloaded")


async def _small_screen_problems(browser: Browser, port: int, view: str) -> list[str]:
    problems = []
    context = await browser.new_context(viewport=SMALL_SCREEN)
    try:
        page = await context.new_page()
        # localhost: Chromium treats it as a secure context, so __Host- cookies work.
        await _browse_to(page, f"http://localhost:{port}", view)
        scroll, screen = await page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if scroll > screen:
            problems.append(f"{view}: {scroll}px wide on a {screen}px screen")
        for scheme in ("light", "dark"):
            await page.emulate_media(color_scheme=scheme)
            texts = await page.evaluate(_TEXT_COLOURS)
            assert len(texts) > 5, f"{view}: the page has text to check"
            for item in texts:
                ratio = contrast_ratio(_channels(item["color"]), _channels(item["background"]))
                if ratio < TEXT_MINIMUM:
                    problems.append(f"{view}, {scheme}: {item['text']!r} at {ratio:.2f}:1")
    finally:
        await context.close()
    return problems


@pytest.mark.browser
async def test_pages_fit_320px_and_keep_aa_contrast_in_both_colour_schemes(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    views = ["login, refused", "choose-mfa", "new-password", "setup-authenticator", "sms-code"]
    ports = [(await make_gateway(**(MFA_POOL_GATEWAY if view.startswith("setup-") else {}))).port
             for view in views]
    # On this test's own event loop, which its gateways run on too.
    async with chromium() as browser:
        found = await asyncio.gather(*(_small_screen_problems(browser, port, view)
                                       for port, view in zip(ports, views, strict=True)))
    assert [problem for problems in found for problem in problems] == []


# --- what a person meets first: the QR code, stale tabs, errors, codes, the signed-in page ---


def _svg_box(svg: str) -> tuple[dict[str, str], list[int]]:
    root = parse(svg).find_all("svg")[0]
    return root.attrs, [int(n) for n in root.attrs["viewbox"].split()]  # the parser lowers names


async def test_the_qr_code_scales_whole_with_its_quiet_zone_on_the_page_and_in_the_api(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    _, step = await open_page(make_gateway, "setup-authenticator")
    assert step.page is not None
    doc = document(step)
    (link,) = [a for a in doc.find_all("a") if a.attrs.get("href", "").startswith("otpauth://")]
    drawn = re.search(r"<svg.*?</svg>", step.page.html, re.S)
    assert drawn is not None
    api = JsonDriver(await make_gateway(**MFA_POOL_GATEWAY))
    chosen = await api.answer(await api.login("setup-user", PASSWORD),
                              {"mfa_type": "SOFTWARE_TOKEN_MFA"})
    assert chosen.view == "setup-authenticator"
    for svg, uri in ((drawn.group(0), link.attrs["href"]),
                     (chosen.parameters["qr_svg"], chosen.parameters["otpauth_uri"])):
        attributes, box = _svg_box(svg)
        # No fixed size for a stylesheet to crop: the box it is drawn in scales the whole.
        assert "width" not in attributes and "height" not in attributes
        modules, _ = segno.make(uri, error="m").symbol_size(scale=1, border=0)
        assert box == [0, 0, modules + 2 * QUIET_ZONE, modules + 2 * QUIET_ZONE]
        assert "<script" not in svg and "style=" not in svg


async def _redis_state(redis_server: RedisServer) -> dict[str, bytes]:
    async with RedisView(redis_server.url) as redis:
        return await redis.dump()


async def test_a_second_tabs_login_form_lands_where_the_first_tab_went(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, redis_server: RedisServer
) -> None:
    """Two tabs show the login form; the first signs in. The second tab's form is refused
    unsent (its token belongs to the flow the first tab replaced), and lands on the first
    tab's step, then on the signed-in page: never on a dead end."""
    driver = HtmlDriver(await make_gateway())
    second_tab = await driver.get("/login")
    step = await driver.login("sms-user", PASSWORD)
    assert step.view == "sms-code"
    typed = {"username": "sms-user", "password": PASSWORD}

    calls, state = len(await hooks.calls()), await _redis_state(redis_server)
    response = await driver.submit(second_tab, "/login", typed)
    assert (response.status, response.headers["Location"]) == (303, "/login/sms-code")
    assert set_cookies(response) == []
    assert len(await hooks.calls()) == calls, "nothing reached Cognito"
    assert await _redis_state(redis_server) == state, "nothing was written"

    assert (await driver.answer(step, {"code": await hooks.latest_code("sms-user")})).signed_in
    calls = len(await hooks.calls())
    response = await driver.submit(second_tab, "/login", typed)
    assert (response.status, response.headers["Location"]) == (303, "/")
    assert len(await hooks.calls()) == calls
    assert await driver.session() is not None


async def test_a_stale_login_form_with_no_flow_left_comes_back_with_the_username(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, redis_server: RedisServer
) -> None:
    driver = HtmlDriver(await make_gateway())
    stale = await driver.get("/login")
    driver.client.session.cookie_jar.clear()  # the flow cookie ran out while the page sat open
    state = await _redis_state(redis_server)
    response = await driver.submit(stale, "/login",
                                   {"username": "password-user", "password": PASSWORD})
    assert response.status == 403, "refused, like any form whose token fits no cookie"
    assert await hooks.calls() == [] and await _redis_state(redis_server) == state
    again = Parsed.parse(response.status, "/login", await response.text(),
                         dict(response.headers))
    doc = parse(again.html)
    fields = {c.attrs["name"]: c for c in controls(doc)}
    assert fields["username"].attrs.get("value") == "password-user"
    assert "value" not in fields["password"].attrs and "autofocus" in fields["password"].attrs
    (notice,) = [p for p in doc.find_all("p") if "notice" in p.classes]
    assert notice.text == ENGLISH["notice.form_expired"]
    # The form it shows is a live one: typing the password again signs in.
    response = await driver.submit(again, "/login", {"password": PASSWORD})
    assert (response.status, response.headers["Location"]) == (303, "/")
    assert await driver.session() is not None


async def test_a_stale_tab_for_another_account_keeps_that_account_and_the_first_flow(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(await make_gateway())
    second_tab = await driver.get("/login")
    assert (await driver.login("sms-user", PASSWORD)).view == "sms-code"
    calls = len(await hooks.calls())
    response = await driver.submit(second_tab, "/login",
                                   {"username": "password-user", "password": PASSWORD})
    assert response.status == 403 and len(await hooks.calls()) == calls
    doc = parse(await response.text())
    assert doc.by_id("f-username").attrs.get("value") == "password-user"
    assert (await driver.get("/login/sms-code")).status == 200, "the first tab's step waits"


async def test_a_wrong_password_is_said_once_and_marks_the_password_not_the_username(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    _, refused = await refused_page(make_gateway, hooks, "login")
    doc = document(refused)
    message = ENGLISH["error.invalid_credentials"]
    assert doc.text.count(message) == 1, "one message on the page"
    fields = {c.attrs["name"]: c for c in controls(doc)}
    assert fields["password"].attrs.get("aria-invalid") == "true"
    assert "aria-invalid" not in fields["username"].attrs
    assert message in described_by(doc, fields["password"])
    assert doc.by_id("error-summary").find_all("a")[0].attrs["href"] == "#f-password"
    assert "field--error" not in (fields["username"].parent or fields["username"]).classes


def test_a_wait_is_said_in_words_rounded_up_in_both_languages() -> None:
    catalogs = Catalogs()
    english, german = catalogs.translator("en"), catalogs.translator("de")
    assert [wait_in_words(english, s) for s in (1, 45, 60, 61, 419, 5400, 5401, 86400)] == [
        "1 second", "45 seconds", "1 minute", "2 minutes", "7 minutes", "90 minutes",
        "2 hours", "24 hours"]
    assert [wait_in_words(german, s) for s in (1, 30, 60, 420, 7200)] == [
        "1 Sekunde", "30 Sekunden", "1 Minute", "7 Minuten", "2 Stunden"]


async def test_a_rate_limited_sign_in_says_when_to_try_again_and_marks_no_field(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway(user_failure_limit="2", user_failure_window="420")
    for _ in range(2):
        assert (await HtmlDriver(gateway).login("password-user", "Wrong-Passw0rd!")).status == 401
    for headers, catalog, minutes in ((None, ENGLISH, "7 minutes"),
                                      (GERMAN_BROWSER, GERMAN, "7 Minuten")):
        driver = HtmlDriver(gateway, headers)
        refused = await driver.login("password-user", PASSWORD)
        assert (refused.status, refused.error) == (429, "rate_limited")
        retry_after = int(driver.responses[-1].headers["Retry-After"])
        assert 360 < retry_after <= 420
        doc = document(refused)
        summary = doc.by_id("error-summary")
        assert catalog["error.rate_limited.retry_in"].format(wait=minutes) in summary.text
        assert "aria-invalid" not in {a for c in controls(doc) for a in c.attrs}
        assert summary.find_all("a") == [], "not about a field: nothing to jump to"


async def test_a_code_page_offers_a_new_code_through_the_password_with_the_name_kept(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver, step = await open_page(make_gateway, "sms-code")
    doc = document(step)
    assert step.page is not None
    # Said before it is asked for: a new code needs the password again.
    (offer,) = [b for b in doc.find_all("button") if b.text == ENGLISH["button.new_code"]]
    assert ENGLISH["page.code.resend"] in described_by(doc, offer)
    sent, calls = len(await hooks.messages("sms-user")), len(await hooks.calls())

    response = await driver.submit(step.page, "/login/new-code", {})
    assert (response.status, response.headers["Location"]) == (303, "/login")
    assert len(await hooks.calls()) == calls, "Cognito is not asked for anything yet"
    login = await driver.get("/login")
    page = parse(login.html)
    assert page.by_id("f-username").attrs.get("value") == "sms-user"
    assert "autofocus" in page.by_id("f-password").attrs
    (notice,) = [p for p in page.find_all("p") if "notice" in p.classes]
    assert notice.text == ENGLISH["notice.new_code"] and error_code(login) is None

    again = await driver._land(await driver.submit(login, "/login", {"password": PASSWORD}))
    assert again.view == "sms-code"
    assert len(await hooks.messages("sms-user")) == sent + 1, "a new code is on its way"
    _, totp = await open_page(make_gateway, "authenticator-code")
    assert not document(totp).find_all("form", action="/login/new-code"), "an app has no resend"


async def test_reloading_the_page_after_a_wrong_code_neither_resends_nor_counts_it(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(await make_gateway(max_code_attempts="2"))
    step = await driver.login("sms-user", PASSWORD)
    right = await hooks.latest_code("sms-user")
    assert step.page is not None
    response = await driver.submit(step.page, "/login/sms-code", {"code": _code_other_than(right)})
    # Post, redirect, get: the browser's reload button asks for the page, not the answer.
    assert (response.status, response.headers["Location"]) == (303, "/login/sms-code")
    calls = len(await hooks.calls())
    for _ in range(3):
        shown = await driver.get("/login/sms-code")
        assert (shown.status, error_code(shown)) == (400, "invalid_code")
    assert len(await hooks.calls()) == calls
    # One wrong code of the two allowed, however many reloads: the right one still works.
    done = await driver.answer(Step(view="sms-code", page=shown), {"code": right})
    assert done.signed_in


async def test_too_many_wrong_codes_are_shown_on_the_login_page_as_an_error(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(await make_gateway(max_code_attempts="2"))
    step = await driver.login("sms-user", PASSWORD)
    wrong = {"code": _code_other_than(await hooks.latest_code("sms-user"))}
    step = await driver.answer(step, wrong)
    back = await driver.answer(step, wrong)
    assert (back.view, back.error) == ("login", "too_many_attempts")
    doc = document(back)
    summary = doc.by_id("error-summary")
    assert summary.attrs["role"] == "alert"
    assert ENGLISH["error.too_many_attempts"] in summary.text
    assert not [p for p in doc.find_all("p") if "notice" in p.classes], "not information"
    assert doc.find_all("title")[0].text.startswith(ENGLISH["page.title.error"])
    assert doc.by_id("f-username").attrs.get("value") == "sms-user"


async def test_the_signed_in_page_names_people_as_they_sign_in_never_by_internal_id(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    gateway = await make_gateway()
    for typed, shown in ((ALIAS_EMAIL, {ENGLISH["attribute.email"]: ALIAS_EMAIL,
                                        ENGLISH["attribute.name"]: "Alex Alias"}),
                         ("password-user", {ENGLISH["page.signed-in.username"]: "password-user",
                                            ENGLISH["attribute.email"]: "password-user@example.com",
                                            ENGLISH["attribute.name"]: "Paula Password"})):
        gateway.session.cookie_jar.clear()
        step = await HtmlDriver(gateway).login(typed, PASSWORD)
        assert step.signed_in and step.page is not None
        doc = document(step)
        profile = {dt.text: dd.text for dt, dd in zip(doc.find_all("dt"), doc.find_all("dd"),
                                                     strict=True)}
        assert profile == shown
        assert ALIAS_ID not in step.page.html


async def test_sign_out_buttons_are_secondary_send_once_and_say_which_sign_out_it_was(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(await make_gateway())
    step = await driver.login("password-user", PASSWORD)
    doc = document(step)
    forms = doc.find_all("form", action="/logout")
    assert len(forms) == 2 and all("data-once" in form.attrs for form in forms)
    assert primary_buttons(doc) == [], "nothing destructive looks like the page's main action"
    order = list(doc.walk())
    assert all(order.index(form) < order.index(doc.find_all("dl")[0]) for form in forms)
    # The sign-out itself is the logout handler's; the login page has a sentence for each.
    driver.client.session.cookie_jar.clear()
    everywhere = await driver.get("/login?notice=signed_out_everywhere")
    (notice,) = [p for p in parse(everywhere.html).find_all("p") if "notice" in p.classes]
    assert notice.text == ENGLISH["notice.signed_out_everywhere"] != ENGLISH["notice.signed_out"]


async def test_the_signed_in_page_moves_or_goes_so_an_app_can_own_the_root(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    moved = HtmlDriver(await make_gateway(home_path="/home"))
    step = await moved.login("sms-user", PASSWORD)
    assert step.page is not None
    code = {"code": await hooks.latest_code("sms-user")}
    response = await moved.submit(step.page, "/login/sms-code", code)
    # Signing in still ends at the app's default path; the gateway's page is elsewhere.
    assert (response.status, response.headers["Location"]) == (303, "/")
    assert (await moved.get("/")).status == 404
    home = await moved.get("/home")
    assert home.status == 200 and ENGLISH["page.signed-in.heading"] in home.text
    # A stale form of a signed-in browser lands on the gateway's page, wherever it is.
    stale = await moved.submit(step.page, "/login/sms-code", code)
    assert (stale.status, stale.headers["Location"]) == (303, "/home")

    without = HtmlDriver(await make_gateway(home_path="none", default_return_path="/app"))
    assert (await without.get("/")).status == 404
    login = await without.get("/login")
    response = await without.submit(login, "/login",
                                    {"username": "password-user", "password": PASSWORD})
    assert (response.status, response.headers["Location"]) == (303, "/app")
    assert (await without.get("/login")).headers["Location"] == "/app", "already signed in"


async def test_a_new_password_typed_differently_twice_is_refused_before_cognito(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver, step = await open_page(make_gateway, "new-password")
    doc = document(step)
    confirm = doc.by_id("f-confirm_new_password")
    assert label_of(doc, confirm) == ENGLISH["field.confirm_new_password"]
    calls = len(await hooks.calls())
    refused = await driver.answer(step, {"new_password": "Brand-New-Passw0rd!",
                                         "confirm_new_password": "Brand-New-Passw0rd?",
                                         "name": "Nora New"})
    assert (refused.status, refused.error) == (400, "invalid_request")
    assert len(await hooks.calls()) == calls
    doc = document(refused)
    assert doc.by_id("f-confirm_new_password").attrs.get("aria-invalid") == "true"
    assert ENGLISH["error.invalid.confirm_new_password"] in doc.by_id("error-summary").text
    assert doc.by_id("f-name").attrs.get("value") == "Nora New"
    done = await driver.answer(refused, {"new_password": "Brand-New-Passw0rd!",
                                         "confirm_new_password": "Brand-New-Passw0rd!"})
    assert done.signed_in


async def test_password_fields_carry_a_show_password_button_for_the_script_to_reveal(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    for view, controlled in (("login", ["f-password"]),
                             ("new-password", ["f-new_password", "f-confirm_new_password"])):
        _, step = await open_page(make_gateway, view)
        doc = document(step)
        (toggle,) = [b for b in doc.find_all("button") if "field__toggle" in b.classes]
        assert "hidden" in toggle.attrs, "without the script there is nothing to press"
        assert (toggle.attrs["type"], toggle.text) == ("button", ENGLISH["field.show_password"])
        assert toggle.attrs["aria-controls"].split() == controlled
        assert all(script.attrs.get("nonce") for script in doc.find_all("script"))


def test_the_choice_says_where_a_code_would_go_only_when_cognito_says_so() -> None:
    offered = {"MFAS_CAN_CHOOSE": '["SMS_MFA", "SOFTWARE_TOKEN_MFA"]'}
    plain = Challenge(ChallengeName.SELECT_MFA_TYPE, "s", "choice-user", offered)
    assert "destinations" not in SelectMfaType().prompt(plain).public
    told = Challenge(ChallengeName.SELECT_MFA_TYPE, "s", "choice-user", {
        **offered, "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
        "CODE_DELIVERY_DESTINATION": "+*******0100"})
    assert SelectMfaType().prompt(told).public["destinations"] == {"SMS_MFA": "+*******0100"}


async def test_the_choice_of_method_guesses_no_destination(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    _, step = await open_page(make_gateway, "choose-mfa")
    hints = [e.text for e in document(step).walk() if "choice__hint" in e.classes]
    assert hints == [ENGLISH[f"mfa.{m}.hint"] for m in ("SOFTWARE_TOKEN_MFA", "SMS_MFA",
                                                          "EMAIL_OTP")]


async def test_email_setup_offers_the_address_the_person_signed_in_with(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    driver = HtmlDriver(await make_gateway(**MFA_POOL_GATEWAY))
    step = await driver.login("setup@example.com", PASSWORD)  # the verified email, an alias
    step = await driver.answer(step, {"mfa_type": "EMAIL_OTP"})
    assert step.view == "setup-email"
    assert document(step).by_id("f-email").attrs.get("value") == "setup@example.com"
    # Signed in by username: no address is guessed.
    _, by_name = await open_page(make_gateway, "setup-email")
    assert "value" not in document(by_name).by_id("f-email").attrs


@pytest.mark.parametrize("view", ["login", "sms-code"])
async def test_the_brand_is_named_once_at_the_top_of_the_card(
    make_gateway: GatewayFactory, hooks: EmulatorHooks, view: str
) -> None:
    _, step = await open_page(make_gateway, view)
    main = document(step).find_all("main")[0]
    assert main.text.count("Demo App") == 1


async def test_a_masked_email_or_long_address_can_wrap_only_between_its_parts(
    make_gateway: GatewayFactory, hooks: EmulatorHooks
) -> None:
    _, step = await open_page(make_gateway, "email-code")
    assert step.page is not None
    # e***@e***: a place to wrap after the "@", none inside a part.
    assert "e***@<wbr>e***" in step.page.html
