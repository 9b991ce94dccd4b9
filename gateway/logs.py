"""Logging: one JSON object per line, and no secret in any of them.

Secrets stay out of logs by construction (we log codes, ids and timings, never request bodies
or Cognito parameters). Two guards back that up: botocore's own loggers are capped at WARNING,
because at DEBUG they print whole request bodies (passwords, codes, Sessions); and a filter
masks anything shaped like a JWT or a Cognito Session that might still slip into a message.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_NOISY = ("botocore", "aiobotocore", "urllib3", "asyncio")

# Two shapes of secret, each found in one pass that looks at a character a bounded number of
# times: logged text can be a request path, which anyone writes, so masking must stay linear
# in its length (a backtracking pattern cost quadratic time on a path of "eyJé" repeated).
#
# A JWT: "eyJ", then three runs of [\w-] joined by dots (the last may be empty). Of the "eyJ"s
# in one run of [\w-], the first reaches the same dots as any later one and covers it, so only
# the first is tried: each attempt starts where a run starts (the lookbehind), commits to its
# first "eyJ" (the atomic group) and never gives back what a segment took (possessive
# quantifiers). The attempt is a lookahead, so a JWT found from one run does not hide one
# found from the next: the spans may overlap, and every JWT shape is covered.
_JWT = re.compile(r"(?<![\w-])(?=(?>[\w-]*?(?=eyJ))(eyJ[\w-]++\.[\w-]++\.[\w-]*+))")
# Long opaque base64/url-safe runs (Cognito Sessions, SRP values), taken whole from where they
# start, so a run too short to count is measured once, not once per character.
_OPAQUE_MIN = 80
_OPAQUE = re.compile(rf"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{{{_OPAQUE_MIN},}}")


def secret_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds something shaped like a secret: sorted, merged (start, end) pairs."""
    found = sorted([m.span(1) for m in _JWT.finditer(text)]
                   + [m.span() for m in _OPAQUE.finditer(text)])
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mask(text: str) -> str:
    # Most logged text (ids, addresses, short paths) can hold neither shape: a JWT starts
    # "eyJ", an opaque run is 80 characters at least. Those skip both scans, as they are on
    # every request's log line.
    if len(text) < _OPAQUE_MIN and "eyJ" not in text:
        return text
    pieces, shown = [], 0
    for start, end in secret_spans(text):
        pieces += [text[shown:start], "[redacted]"]
        shown = end
    return "".join(pieces) + text[shown:] if pieces else text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = mask(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def quiet_libraries() -> None:
    """Cap the loggers that would print request bodies or query strings, whatever the root
    level is. Called by the application factory, so it holds in tests and embeddings too."""
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    # aiohttp's access log duplicates our request line (and would print query strings).
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def configure(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries()
