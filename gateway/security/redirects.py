"""Where a person may be sent after signing in or out: only paths on this site.

Browsers are generous about what they treat as another origin (``//evil``, ``/\\evil``,
``/\\t/evil``, ``https:evil``), so instead of spotting bad inputs this accepts one narrow shape:
an absolute path made only of the characters RFC 3986 allows in a URL (so no backslash, space,
quote or angle bracket), that does not start with ``//``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_RETURN_PATH = 2048
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def safe_return_path(candidate: str | None, default: str = "/") -> str:
    if not candidate or len(candidate) > MAX_RETURN_PATH:
        return default
    if not candidate.startswith("/") or candidate.startswith("//"):
        return default
    if not _URL_CHARACTERS.fullmatch(candidate):
        return default  # control characters, spaces, quotes, non-ASCII, backslashes
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return default
    return candidate
