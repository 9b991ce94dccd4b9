"""Colour contrast of the stylesheet, computed from gateway.css itself: WCAG AA in the light and
the dark scheme, for the default brand colour and for any brand colour the configuration
accepts."""

from __future__ import annotations

import itertools
import re

import pytest

from gateway.config import ConfigError, load_settings
from gateway.web.contrast import NON_TEXT_MINIMUM, TEXT_MINIMUM, contrast_ratio, mix
from gateway.web.templates import STATIC_DIR

CSS = re.sub(r"/\*.*?\*/", "", (STATIC_DIR / "gateway.css").read_text(), flags=re.S)

# How gateway.css pairs its colours: (foreground, background, what it is).
TEXT_ON = [
    ("--text", "--card", "body text"),
    ("--text", "--bg", "the TOTP secret on its tinted box"),
    ("--muted", "--card", "hints, password rules, the reference number"),
    ("--error", "--card", "an error message next to its field"),
    ("--text", "--error-bg", "the error summary"),
    ("--error", "--error-bg", "the error summary's link to the field"),
    ("--text", "--notice-bg", "a notice such as 'That took too long'"),
    ("--link", "--card", "links and the 'Start over' button"),
    ("#ffffff", "--brand", "the primary button's label"),
]
NON_TEXT_ON = [
    ("--border", "--card", "the outline of an input or an option"),
    ("--error", "--card", "the outline of an input in error"),
    ("--link", "--card", "the outline of the chosen option"),
    ("--focus", "--card", "the focus ring"),
    ("--focus", "--bg", "the focus ring beside the card"),
    ("--focus", "--error-bg", "the focus ring inside the error summary"),
]


def _declarations(block: str) -> dict[str, str]:
    return {name: value.strip() for name, value in re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", block)}


def schemes(css: str = CSS) -> dict[str, dict[str, str]]:
    """The custom properties of ``:root`` in each colour scheme (dark = light + overrides)."""
    light = re.search(r"^:root\s*\{([^}]*)\}", css, re.M)
    dark = re.search(
        r"@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}", css
    )
    assert light and dark, "gateway.css has a :root block for each scheme"
    light_values = _declarations(light.group(1))
    return {"light": light_values, "dark": {**light_values, **_declarations(dark.group(1))}}


_NAMED = {"white": "#ffffff", "black": "#000000"}


def resolve(value: str, properties: dict[str, str]) -> str:
    """A colour as the browser computes it: var() and color-mix(in srgb, ...) followed."""
    value = value.strip()
    if value.startswith("--"):
        return resolve(properties[value], properties)
    if value in _NAMED:
        return _NAMED[value]
    if re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return value.lower()
    if found := re.fullmatch(r"var\((--[\w-]+)\)", value):
        return resolve(properties[found.group(1)], properties)
    if found := re.fullmatch(
        r"color-mix\(in srgb,\s*(.+?)\s+(\d+(?:\.\d+)?)%,\s*(.+?)\)", value
    ):
        first, share, second = found.groups()
        return mix(resolve(first, properties), resolve(second, properties), float(share) / 100)
    raise AssertionError(f"the test cannot read the colour {value!r}")


def shortfalls(properties: dict[str, str]) -> list[str]:
    found = []
    for pairs, minimum in ((TEXT_ON, TEXT_MINIMUM), (NON_TEXT_ON, NON_TEXT_MINIMUM)):
        for foreground, background, what in pairs:
            ratio = contrast_ratio(resolve(foreground, properties),
                                   resolve(background, properties))
            if ratio < minimum:
                found.append(f"{what} ({foreground} on {background}): {ratio:.2f}:1")
    return found


# --- the arithmetic, against known answers -------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0),
     # #767676 is the lightest grey that passes AA on white; #777777 is the first that fails.
     ("#767676", "#ffffff", 4.54), ("#777777", "#ffffff", 4.48), ("#ffffff", "#777777", 4.48)],
)
def test_contrast_ratio_known_answers(first: str, second: str, ratio: float) -> None:
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.005)


def test_mixing_follows_color_mix_in_srgb() -> None:
    assert mix("#000000", "#ffffff", 0.45) == "#8c8c8c"
    assert mix("#2f5bd3", "#ffffff", 1.0) == "#2f5bd3"
    assert mix("#2f5bd3", "#ffffff", 0.0) == "#ffffff"


# --- the stylesheet ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_colour_pair_meets_wcag_aa(scheme: str) -> None:
    assert shortfalls(schemes()[scheme]) == []


def test_the_pairs_cover_every_colour_the_stylesheet_defines() -> None:
    checked = {name for pairs in (TEXT_ON, NON_TEXT_ON) for pair in pairs for name in pair[:2]}
    for properties in schemes().values():
        assert set(properties) <= checked, "a new colour needs its pairs listed above"


def test_a_low_contrast_colour_would_be_caught() -> None:
    light = schemes()["light"]
    assert shortfalls({**light, "--muted": "#a0a0a0"}) == [
        "hints, password rules, the reference number (--muted on --card): 2.61:1"
    ]


def test_focus_is_never_hidden_and_always_thick_enough() -> None:
    assert not re.search(r"outline\s*:\s*(none|0)\b", CSS), "no rule removes the focus ring"
    ring = re.search(r":focus-visible\s*\{[^}]*outline\s*:\s*(\d+)px\s+solid\s+var\(--focus\)",
                     CSS)
    assert ring and int(ring.group(1)) >= 2


# --- brand colours from configuration ---------------------------------------------------------

BASE_ENVIRONMENT = {
    "GATEWAY_REDIS_URL": "redis://127.0.0.1:6379/0",
    "GATEWAY_SECRET_KEYS": "k" * 32,
    "GATEWAY_USER_POOL_ID": "us-east-1_Example01",
    "GATEWAY_CLIENT_ID": "exampleclient",
}


def _accepted(colour: str) -> bool:
    try:
        load_settings({**BASE_ENVIRONMENT, "GATEWAY_BRAND_COLOR": colour})
    except ConfigError:
        return False
    return True


def test_a_brand_colour_too_light_for_white_text_is_refused_with_the_reason() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({**BASE_ENVIRONMENT, "GATEWAY_BRAND_COLOR": "#ffcc00"})
    (problem,) = refused.value.problems
    assert "GATEWAY_BRAND_COLOR #ffcc00" in problem and "1.5:1" in problem and "4.5:1" in problem
    assert load_settings(BASE_ENVIRONMENT).branding.color == schemes()["light"]["--brand"]


def test_every_brand_colour_the_configuration_accepts_keeps_the_pages_aa() -> None:
    """The brand colour reaches the page as --brand (the nonce'd style block); links on dark
    cards are mixed from it. Sampled over the RGB cube."""
    levels = range(0, 256, 51)
    brands = ["#{:02x}{:02x}{:02x}".format(*rgb) for rgb in itertools.product(levels, repeat=3)]
    accepted = [brand for brand in brands if _accepted(brand)]
    assert 0 < len(accepted) < len(brands)
    failing = {
        (brand, scheme): found
        for brand in accepted
        for scheme, properties in schemes().items()
        if (found := shortfalls({**properties, "--brand": brand}))
    }
    assert failing == {}
