"""What a person meets first, as Chromium draws it: the QR code a phone must read, buttons that
move under a second click, the error summary's focus ring, the show-password button, the
new-password checklist, and addresses that wrap at 320 CSS pixels."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.async_api import Page, expect

from tests.browser.steps import (
    current_totp,
    expect_code_page,
    expect_signed_in,
    submit_code,
    submit_password,
)
from tests.browser.watch import OpenPage, Serve
from tests.demo import (
    MFA_CLIENT,
    MFA_POOL,
    MFA_SECRET,
    PASSWORD,
    TEMPORARY_PASSWORD,
    TOTP_USER,
    name_of,
)
from tests.gateway.hooks import EmulatorHooks
from tests.gateway.journeys import create_user

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SMALL_SCREEN = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
SCREENS = {"320px": SMALL_SCREEN, "desktop": DESKTOP}
MFA_REQUIRED = {"user_pool_id": MFA_POOL, "client_id": MFA_CLIENT, "client_secret": MFA_SECRET}
BRAND_COLOUR = "rgb(47, 91, 211)"  # the default GATEWAY_BRAND_COLOR, #2f5bd3


def decode(png: bytes) -> list[str]:
    """What a QR reader finds in a picture (zxing-cpp, the library behind many phone apps)."""
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def quiet_zone_is_light(png: bytes, modules: int) -> bool:
    """The outer band of the picture, as wide as the 4-module quiet zone, is all light. (The
    outermost pixel is left out: an element at a fractional position is pictured with a row
    of whatever lies next to it.)"""
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    band = max(2, int(width / modules * 4) - 2)  # whole modules, less a pixel of smoothing
    for x in range(1, width - 1):
        for y in range(1, height - 1):
            inside = band <= x < width - band and band <= y < height - band
            if not inside and image.getpixel((x, y)) < 200:  # type: ignore[operator]
                return False
    return True


async def _to_authenticator_setup(page: Page) -> None:
    await page.goto("/login")
    await submit_password(page, "setup-user", PASSWORD)
    await page.wait_for_url("**/login/setup-mfa", wait_until="domcontentloaded")
    await page.get_by_role("button", name="Continue").click()  # the app: the first choice
    await page.wait_for_url("**/login/setup-authenticator", wait_until="domcontentloaded")


@pytest.mark.parametrize("screen", list(SCREENS))
async def test_the_qr_code_as_drawn_reads_back_as_the_enrolment_link(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks, screen: str
) -> None:
    watched = await open_page(await serve_gateway(**MFA_REQUIRED), viewport=SCREENS[screen])
    page = watched.page
    await _to_authenticator_setup(page)
    link = await page.get_by_role("link", name="Open in an authenticator app").get_attribute(
        "href")
    assert link and link.startswith("otpauth://totp/")
    figure, svg = page.locator("figure.qr"), page.locator("figure.qr svg")
    view_box = await svg.get_attribute("viewBox")
    assert view_box is not None
    modules = int(view_box.split()[2])
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        drawn, frame = await svg.bounding_box(), await figure.bounding_box()
        assert drawn and frame
        # Square, whole and inside its box: nothing of the right or bottom edge cut away.
        assert abs(drawn["width"] - drawn["height"]) < 1, (screen, scheme, drawn)
        assert drawn["width"] >= 150, "big enough for a phone camera"
        assert drawn["x"] + drawn["width"] <= frame["x"] + frame["width"] + 0.5
        cropped = await page.evaluate("""() => {
            const svg = document.querySelector("figure.qr svg");
            const box = svg.getBoundingClientRect(), view = svg.viewBox.baseVal;
            return Math.abs(box.width / box.height - view.width / view.height) > 0.01;
        }""")
        assert not cropped
        png = await svg.screenshot()
        assert decode(png) == [link], (screen, scheme)
        assert quiet_zone_is_light(png, modules), (screen, scheme)
    assert watched.complaints == []


async def test_the_apis_qr_svg_reads_back_in_whatever_box_an_app_gives_it(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    base = await serve_gateway(**MFA_REQUIRED)
    watched = await open_page(base)
    page = watched.page
    await page.goto("/login")  # the API is same-origin: this page's script calls it
    challenge = await page.evaluate("""async (password) => {
        const call = (path, body) => fetch(path, {method: "POST", body: JSON.stringify(body),
            headers: {"X-CSRF": "1", "Content-Type": "application/json"}}).then(r => r.json());
        await call("/auth/login", {username: "setup-user", password});
        const body = await call("/auth/challenge",
            {challenge: "MFA_SETUP", answers: {mfa_type: "SOFTWARE_TOKEN_MFA"}});
        return body.challenge.parameters;
    }""", PASSWORD)
    app = await watched.context.new_page()  # a page of the app's own, with its own styles
    for size in (120, 200, 480):
        # An SPA drops the markup into a box of its own size: the code fills it, whole.
        await app.set_content(f'<div id="box" style="width:{size}px">{challenge["qr_svg"]}'
                              "</div>")
        svg = app.locator("#box svg")
        box = await svg.bounding_box()
        assert box and round(box["width"]) == round(box["height"]) == size
        assert decode(await svg.screenshot()) == [challenge["otpauth_uri"]], size


async def _box(page: Page, name: str) -> dict[str, float]:
    box = await page.get_by_role("button", name=name, exact=True).bounding_box()
    assert box is not None
    return box


def _overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


async def _sign_out_boxes(page: Page) -> list[dict[str, float]]:
    boxes = []
    for control in await page.locator("form[action='/logout'] button").all():
        box = await control.bounding_box()
        assert box is not None
        boxes.append(box)
    assert len(boxes) == 2
    return boxes


@pytest.mark.parametrize("screen", list(SCREENS))
async def test_a_second_click_on_sign_in_or_verify_never_signs_out(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks, screen: str
) -> None:
    base = await serve_gateway()
    page = (await open_page(base, viewport=SCREENS[screen])).page
    # Where "Sign in" is: on the fresh form, and lower down once a wrong password was refused.
    await page.goto("/login")
    primaries = [await _box(page, "Sign in")]
    await submit_password(page, "password-user", "Wrong-Passw0rd!")
    await page.locator("#error-summary").wait_for()
    primaries.append(await _box(page, "Sign in"))
    # A double click: the second lands on whatever the next page has there.
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").dblclick()
    await expect_signed_in(page, name_of("password-user"))
    for box in await _sign_out_boxes(page):
        assert not any(_overlaps(box, primary) for primary in primaries), (screen, box)
    for primary in primaries:
        await page.mouse.click(primary["x"] + primary["width"] / 2,
                               primary["y"] + primary["height"] / 2)
    await page.wait_for_timeout(300)
    await expect(page.get_by_role("heading", level=1)).to_have_text("You're signed in")

    # The same after the code page's "Verify".
    other = (await open_page(base, viewport=SCREENS[screen])).page
    await other.goto("/login")
    await submit_password(other, TOTP_USER, PASSWORD)
    await expect_code_page(other)
    verify = await _box(other, "Verify")
    await submit_code(other, await current_totp(hooks))
    await expect_signed_in(other)
    assert not any(_overlaps(box, verify) for box in await _sign_out_boxes(other))


async def test_the_error_summary_gets_one_focus_ring_in_the_brand_colour(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    page = (await open_page(await serve_gateway(), viewport=SMALL_SCREEN)).page
    await page.goto("/login")
    await submit_password(page, "password-user", "Wrong-Passw0rd!")
    summary = page.locator("#error-summary")
    await expect(summary).to_be_focused()
    ring: dict[str, Any] = await summary.evaluate("""(el) => {
        const s = getComputedStyle(el);
        return {style: s.outlineStyle, width: s.outlineWidth, colour: s.outlineColor,
                offset: s.outlineOffset, border: s.borderTopWidth, shadow: s.boxShadow};
    }""")
    # Drawn over the summary's own border, not around it: one ring, not border, gap and ring.
    assert ring == {"style": "solid", "width": "3px", "colour": BRAND_COLOUR,
                    "offset": "-2px", "border": "2px", "shadow": "none"}
    # The wrong password is the password's: that field is the one marked.
    password = page.get_by_label("Password", exact=True)
    assert await password.get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("Email or username").get_attribute("aria-invalid") is None
    assert await page.get_by_text("The email, username or password is incorrect.").count() == 1


async def test_show_password_shows_and_hides_and_sends_a_password_field(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    watched = await open_page(await serve_gateway(), viewport=SMALL_SCREEN)
    page = watched.page
    await page.goto("/login")
    password = page.get_by_label("Password", exact=True)
    await password.fill("Typed-Passw0rd!")
    toggle = page.get_by_role("button", name="Show password")
    await expect(toggle).to_be_visible()
    await toggle.click()
    assert await password.get_attribute("type") == "text"
    await page.get_by_role("button", name="Hide password").click()
    assert await password.get_attribute("type") == "password"
    await page.get_by_role("button", name="Show password").click()
    await page.get_by_label("Email or username").fill("password-user")
    await password.fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect_signed_in(page, name_of("password-user"))
    assert watched.complaints == [], "no inline script, no CSP violation"


async def test_the_new_password_rules_tick_off_while_typing(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    watched = await open_page(await serve_gateway(), viewport=SMALL_SCREEN)
    page = watched.page
    await page.goto("/login")
    await submit_password(page, "new-password-user", TEMPORARY_PASSWORD)
    await page.wait_for_url("**/login/new-password", wait_until="domcontentloaded")

    async def met() -> dict[str, bool]:
        rules = page.locator("#password-rules li[data-rule]")
        return {await rule.get_attribute("data-rule") or "": "rule--met" in (
            await rule.get_attribute("class") or "") for rule in await rules.all()}

    new_password = page.get_by_label("New password", exact=True)
    await new_password.fill("abc1")
    assert await met() == {"length": False, "upper": False, "lower": True, "number": True,
                           "symbol": False}
    state = page.locator("#password-rules li[data-rule='upper'] .rule__state")
    await expect(state).to_have_text(" (still needed)")
    await new_password.fill("Brand-New-Passw0rd!")
    assert set((await met()).values()) == {True}
    await expect(state).to_have_text(" (done)")
    # Both fields are shown by the one button, and the form still sends them as passwords.
    await page.get_by_role("button", name="Show password").click()
    assert await page.get_by_label("Confirm new password").get_attribute("type") == "text"
    await page.get_by_label("Confirm new password").fill("Brand-New-Passw0rd!")
    await page.get_by_label("Full name").fill("Nora New")
    await page.get_by_role("button", name="Continue").click()
    await expect_signed_in(page, "Nora New")
    assert watched.complaints == []


LONG_EMAIL = "firstname.lastname.department@subsidiary.example-company.com"

# Where each line of an element's text starts: (the character before, the first character).
_LINE_STARTS = """(el) => {
  const found = []; let last = null, previous = "";
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getBoundingClientRect();
      if (last !== null && rect.top > last + 2) found.push([previous, node.data[i]]);
      last = rect.top; previous = node.data[i];
    }
  }
  return found;
}"""


async def test_a_long_email_wraps_at_320px_only_between_its_parts(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    await create_user(hooks, "long-email-user", password=PASSWORD, email=LONG_EMAIL,
                      email_verified="true", phone_number="+447700900123", name="Lou Long")
    page = (await open_page(await serve_gateway(), viewport=SMALL_SCREEN)).page
    await page.goto("/login")
    await submit_password(page, "long-email-user", PASSWORD)
    await expect_signed_in(page, "Lou Long")
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1]
    email = page.locator("dd", has_text="subsidiary")
    breaks = await email.evaluate(_LINE_STARTS)
    assert breaks, "the address is longer than the line: it does wrap"
    assert all(before == "@" or first == "." for before, first in breaks), breaks
    phone = page.locator("dd", has_text="7700")
    assert await phone.evaluate(_LINE_STARTS) == [], "a phone number stays on one line"


async def test_the_code_field_is_full_width_monospace_and_asks_for_digits(
    serve_gateway: Serve, open_page: OpenPage, hooks: EmulatorHooks
) -> None:
    page = (await open_page(await serve_gateway(), viewport=SMALL_SCREEN)).page
    await page.goto("/login")
    await submit_password(page, TOTP_USER, PASSWORD)
    await expect_code_page(page)
    code = page.get_by_label("Verification code")
    field = await code.bounding_box()
    form = await page.locator("form[data-once]").first.bounding_box()
    assert field and form and abs(field["width"] - form["width"]) < 1
    look = await code.evaluate("(el) => getComputedStyle(el).fontFamily")
    assert "monospace" in look
    assert (await code.get_attribute("inputmode"), await code.get_attribute("autocomplete")) == (
        "numeric", "one-time-code")
