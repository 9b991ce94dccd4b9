"""Where a relayed call goes, and the paths refused before any upstream is touched. Pure.

The rest of the path after the route's prefix travels as the browser encoded it (an upstream
decodes it the way it always does), so every trick that an upstream, or a proxy in front of it,
could read as a different path is refused here instead: a dot segment, plain or percent-encoded
(``..``, ``%2e%2e``, ``.%2E``), an encoded slash or backslash (``%2F``, ``%5C``), a backslash, an
empty segment (``//``), a control character, and a percent-encoding of any of those (``%252e``).
An absolute-form target (``GET http://elsewhere/ HTTP/1.1``) never names a path of ours.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from yarl import URL

from gateway.relay.routes import Route

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What must not appear even once decoded: a second decoding by the upstream would make it a
# dot, a slash or a backslash.
_ENCODED_SEPARATOR = re.compile(r"%(2e|2f|5c)", re.IGNORECASE)


def refused(raw_path: str) -> str | None:
    """Why ``raw_path`` (the request target's path, still percent-encoded, without its query)
    is refused, or None."""
    if not raw_path.startswith("/"):
        return "not a path (absolute-form target)"
    if "\\" in raw_path or _CONTROL.search(raw_path):
        return "backslash or control character"
    for segment in raw_path.split("/")[1:-1]:
        if not segment:
            return "empty path segment"
    for segment in raw_path.split("/")[1:]:
        decoded = unquote(segment)
        if decoded in {".", ".."}:
            return "dot segment"
        if "/" in decoded or "\\" in decoded or _CONTROL.search(decoded):
            return "encoded separator"
        if _ENCODED_SEPARATOR.search(decoded):
            return "doubly encoded separator"
    return None


def upstream_url(route: Route, raw_path: str, raw_query: str) -> URL:
    """The upstream URL of a call to ``raw_path`` (which starts with the route's prefix)."""
    rest = raw_path[len(route.prefix):]
    target = route.url + rest + (f"?{raw_query}" if raw_query else "")
    return URL(target, encoded=True)
