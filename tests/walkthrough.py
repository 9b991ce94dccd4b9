"""``docs/api.md`` as the tests read it: its fenced blocks, and the answers it promises.

The page marks what a test runs by the fence's info string:

* ```` ```sh walkthrough ```` — shell, run in order in one ``bash`` (variables carry over);
* ```` ```http walkthrough ```` — the answer the ``curl -i`` in the block just before prints:
  its status line, some of its headers, and its JSON body;
* ```` ```js fetch ```` — JavaScript, run in a page on the gateway's origin.

In an expected answer ``…`` stands for anything: a whole JSON value (bare, as in
``"auth_time": …``, or quoted), or part of a string or header value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.servers import ROOT

DOC = ROOT / "docs" / "api.md"
ANY = "…"
_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_STRING_OR_ANY = re.compile(r'"(?:[^"\\]|\\.)*"|…')


@dataclass(frozen=True)
class Block:
    info: str  # the fence's info string: "sh walkthrough", "http walkthrough", "js fetch"
    text: str
    line: int  # where the block's first line is in the document, for messages

    def __str__(self) -> str:
        return f"{DOC.name}:{self.line} ({self.info})"


def blocks(path: Path = DOC) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    return [Block(m.group(1).strip(), m.group(2), text.count("\n", 0, m.start(2)) + 1)
            for m in _FENCE.finditer(text)]


def tagged(info: str, path: Path = DOC) -> list[Block]:
    return [block for block in blocks(path) if block.info == info]


def steps(path: Path = DOC) -> list[tuple[Block, Block | None]]:
    """Each ``sh walkthrough`` block with the ``http walkthrough`` block that follows it (the
    answer it must print), or None when it shows no answer."""
    paired: list[tuple[Block, Block | None]] = []
    for block in blocks(path):
        if block.info == "sh walkthrough":
            paired.append((block, None))
        elif block.info == "http walkthrough":
            assert paired and paired[-1][1] is None, f"{block}: no command before this answer"
            paired[-1] = (paired[-1][0], block)
    return paired


# --- comparing an answer with the page's ---------------------------------------------------


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(".*?".join(re.escape(part) for part in text.split(ANY)), re.DOTALL)


def matches(expected: Any, actual: Any, where: str = "body") -> list[str]:
    """How ``actual`` differs from ``expected`` (with ``…`` as a wildcard); empty if not."""
    if expected == ANY:
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        problems = [f"{where}: keys {sorted(expected)} != {sorted(actual)}"] \
            if set(expected) != set(actual) else []
        for key in expected.keys() & actual.keys():
            problems += matches(expected[key], actual[key], f"{where}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            return [f"{where}: expected {expected!r}, got {actual!r}"]
        return [p for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for p in matches(e, a, f"{where}[{i}]")]
    if isinstance(expected, str) and ANY in expected:
        if isinstance(actual, str) and _pattern(expected).fullmatch(actual):
            return []
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    if expected != actual or type(expected) is not type(actual):
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return []


def loads(text: str) -> Any:
    """JSON in which a bare ``…`` stands for any value."""
    quoted = _STRING_OR_ANY.sub(
        lambda m: m.group(0) if m.group(0).startswith('"') else json.dumps(ANY), text)
    return json.loads(quoted)


@dataclass(frozen=True)
class Answer:
    status_line: str
    headers: list[tuple[str, str]]
    body: str

    @classmethod
    def parse(cls, text: str) -> Answer:
        """An HTTP answer as ``curl -i`` prints it (CRLF lines), or as the page writes it."""
        text = text.replace("\r\n", "\n").strip("\n")
        head, _, body = text.partition("\n\n")
        status_line, *lines = head.split("\n")
        headers = [(name.strip(), value.strip()) for name, _, value in
                   (line.partition(":") for line in lines)]
        return cls(status_line.strip(), headers, body.strip())


def compare(expected: Answer, actual: Answer) -> list[str]:
    """How the real answer differs from the page's: the same status line, every header the
    page shows (others may be there too), and the same JSON body."""
    problems = []
    if expected.status_line != actual.status_line:
        problems.append(f"status: expected {expected.status_line!r}, got {actual.status_line!r}")
    for name, value in expected.headers:
        candidates = [v for n, v in actual.headers if n.lower() == name.lower()]
        if not any(_pattern(value).fullmatch(v) for v in candidates):
            problems.append(f"header {name}: expected {value!r}, got {candidates!r}")
    if expected.body or actual.body:
        try:
            real = json.loads(actual.body)
        except ValueError:
            return [*problems, f"body is not JSON: {actual.body[:200]!r}"]
        problems += matches(loads(expected.body), real)
    return problems
