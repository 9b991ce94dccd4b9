"""Reading the hosted pages the way a browser would: forms, their fields, and visible text; and
which error a page shows, by its stable code rather than its wording."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # hidden and pre-filled values
    names: list[str] = field(default_factory=list)  # every named control, in order
    options: dict[str, list[str]] = field(default_factory=dict)  # radio choices


_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.text: list[str] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self._skip = 0
        self._current: Form | None = None
        self._capture: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []  # (tag, id) of open elements
        self._glue = False  # the last thing seen was a <wbr>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "wbr":  # a place to wrap, inside a word: the text around it is one word
            self._glue = True
            return
        self._glue = False
        attributes = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attributes))
        if tag in {"script", "style"}:
            self._skip += 1
        if tag not in _VOID:
            self._open.append((tag, attributes.get("id")))
            if "id" in attributes:
                self._capture[attributes["id"]] = []
        if tag == "form":
            self._current = Form(attributes.get("action", ""), attributes.get("method", "get"))
            self.forms.append(self._current)
        elif tag in {"input", "button", "select", "textarea"} and self._current is not None:
            name = attributes.get("name")
            if not name:
                return
            if name not in self._current.names:
                self._current.names.append(name)
            if attributes.get("type") == "radio":
                self._current.options.setdefault(name, []).append(attributes.get("value", ""))
                if "checked" in attributes:
                    self._current.fields[name] = attributes.get("value", "")
            elif attributes.get("type") == "checkbox":
                if "checked" in attributes:  # a browser sends a box only when it is ticked
                    self._current.fields[name] = attributes.get("value", "on")
            elif "value" in attributes:
                self._current.fields[name] = attributes["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break
        if tag == "form":
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._glue and self.text:
            self.text[-1] += data
        else:
            self.text.append(data)
        self._glue = False
        for _, element_id in self._open:
            if element_id is not None:
                self._capture[element_id].append(data)


@dataclass
class Page:
    status: int
    url: str
    html: str
    headers: dict[str, str]
    forms: list[Form]
    text: str
    elements: list[tuple[str, dict[str, str]]]
    by_id: dict[str, str]

    @classmethod
    def parse(cls, status: int, url: str, html: str, headers: dict[str, str]) -> Page:
        parser = _PageParser()
        parser.feed(html)
        return cls(
            status=status,
            url=url,
            html=html,
            headers=headers,
            forms=parser.forms,
            text=" ".join(" ".join(parser.text).split()),
            elements=parser.elements,
            by_id={k: " ".join("".join(v).split()) for k, v in parser._capture.items()},
        )

    def form(self, action: str) -> Form:
        for form in self.forms:
            if form.action == action:
                return form
        raise AssertionError(f"no form posting to {action} on {self.url}: {self.text[:300]}")

    def elements_named(self, tag: str) -> list[dict[str, str]]:
        return [attributes for name, attributes in self.elements if name == tag]


def error_code(page: Page | str) -> str | None:
    """The code of the error a page shows (``invalid_code``, ``csrf_failed``...), from the
    ``data-error-code`` on the element carrying its message (the error summary, or the error
    page's alert), or None when it shows none. Tests that only need to know *which* error read
    this, so a change of wording breaks only the tests about wording."""
    if isinstance(page, str):
        page = Page.parse(0, "", page, {})
    codes = [attributes["data-error-code"] for _, attributes in page.elements
             if "data-error-code" in attributes]
    assert len(codes) <= 1, f"{page.url} shows more than one error: {codes}"
    return codes[0] if codes else None
