"""Where a person may be sent after signing in or out: only paths on this site.

Browsers are generous about what they treat as another origin (``//evil``, ``/\\evil``,
``/\\t/evil``, ``https:evil``), so instead of spotting bad inputs this accepts one narrow shape:
an absolute path made of printable ASCII, with no backslash, that does not start with ``//``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_RETURN_PATH = 2048


def safe_return_path(candidate: str | None, default: str = "/") -> str:
    if not candidate or len(candidate) > MAX_RETURN_PATH:
        return default
    if not candidate.startswith("/") or candidate.startswith("//"):
        return default
    if any(not 0x21 <= ord(char) <= 0x7E for char in candidate) or "\\" in candidate:
        return default  # control characters, spaces, non-ASCII and backslashes
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return default
    return candidate
