"""Every user-facing sentence goes through here: a language is one JSON file in ``locales/``.

Catalogs are flat ``key -> text`` maps with ``{name}`` placeholders. A key missing from a
language falls back to English, and a key missing from English is a bug that the test suite
catches (it walks every template and error code).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path

DEFAULT_LANGUAGE = "en"
_LOCALES = Path(__file__).parent / "locales"


class Catalogs:
    def __init__(self, directory: Path = _LOCALES) -> None:
        self._catalogs: dict[str, dict[str, str]] = {
            path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(directory.glob("*.json"))
        }
        if DEFAULT_LANGUAGE not in self._catalogs:
            raise RuntimeError(f"no {DEFAULT_LANGUAGE}.json in {directory}")

    @cached_property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._catalogs)

    def keys(self, language: str = DEFAULT_LANGUAGE) -> Iterable[str]:
        return self._catalogs[language].keys()

    def negotiate(self, accept_language: str | None) -> str:
        """The best language we have for an Accept-Language header (RFC 9110 12.5.4)."""
        ranked: list[tuple[float, int, str]] = []
        for position, item in enumerate((accept_language or "").split(",")[:20]):
            tag, _, params = item.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    continue
            ranked.append((-quality, position, tag.strip().lower()))
        for negative_quality, _, tag in sorted(ranked):
            if negative_quality >= 0:
                break
            for candidate in (tag, tag.split("-")[0]):
                if candidate in self._catalogs:
                    return candidate
        return DEFAULT_LANGUAGE

    def translator(self, language: str) -> Translator:
        return Translator(
            language, self._catalogs.get(language, {}), self._catalogs[DEFAULT_LANGUAGE]
        )


class Translator:
    def __init__(self, language: str, catalog: Mapping[str, str], fallback: Mapping[str, str]):
        self.language = language
        self._catalog = catalog
        self._fallback = fallback

    def __call__(self, key: str, **params: object) -> str:
        text = self._catalog.get(key) or self._fallback.get(key)
        if text is None:
            raise KeyError(f"no translation for {key!r}")
        return text.format_map(params) if params else text

    def has(self, key: str) -> bool:
        return key in self._catalog or key in self._fallback
