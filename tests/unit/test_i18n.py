"""Every sentence the pages and errors use exists in English, and languages negotiate."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from gateway import errors
from gateway.web.i18n import Catalogs
from gateway.web.templates import default_template_dir

CATALOGS = Catalogs()
ENGLISH = set(CATALOGS.keys("en"))


def test_every_error_code_has_a_message() -> None:
    codes = {
        cls.code for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.GatewayError)
    }
    assert {f"error.{code}" for code in codes} <= ENGLISH


def test_every_literal_key_in_the_templates_exists() -> None:
    used = set()
    for template in Path(default_template_dir()).rglob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*['"]([\w.-]+)['"]\s*[,)]""", template.read_text()))
    assert used, "no keys found: the pattern is wrong"
    assert used - ENGLISH == set()


def test_other_languages_only_translate_known_keys() -> None:
    for language in CATALOGS.languages:
        assert set(CATALOGS.keys(language)) <= ENGLISH, language


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, "en"), ("", "en"), ("xx-YY", "en"), ("en-GB,en;q=0.8", "en"), ("*", "en")],
)
def test_negotiation_falls_back_to_english(header: str | None, expected: str) -> None:
    assert CATALOGS.negotiate(header) == expected
