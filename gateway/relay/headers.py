"""Which headers cross the relay, each way. Pure.

Toward the upstream: nothing of the browser's credentials (Cookie, Authorization), no hop-by-hop
header (RFC 9110 7.6.1, and whatever Connection names), no forwarding header the browser could
have written (Forwarded, X-Forwarded-*, X-Real-IP): the gateway writes those from what it
trusts. Names are compared case-insensitively and with ``_`` read as ``-``, because some
servers (CGI, WSGI, nginx with ``underscores_in_headers``) merge ``X_Forwarded_For`` into
``X-Forwarded-For``.

Toward the browser: no hop-by-hop header, no Set-Cookie (the gateway's cookies are the only
cookies of this site an upstream's answer may touch) and no Clear-Site-Data (which would wipe
the gateway's cookies).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from multidict import CIMultiDict

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "transfer-encoding", "upgrade",
})
_NOT_FORWARDED = HOP_BY_HOP | frozenset({
    "host", "content-length", "cookie", "cookie2", "authorization", "x-csrf",
    "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
    "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-server", "x-forwarded-ssl",
    "x-real-ip", "x-request-id", "x-client-ip", "true-client-ip", "cf-connecting-ip",
})
_NOT_RETURNED = HOP_BY_HOP | frozenset({
    "content-length", "set-cookie", "set-cookie2", "clear-site-data", "server",
})


def _spelling(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _named_by_connection(headers: Iterable[tuple[str, str]]) -> set[str]:
    """The headers a Connection header declares hop-by-hop (``Connection: close, X-Secret``)."""
    return {_spelling(token) for name, value in headers if _spelling(name) == "connection"
            for token in value.split(",") if token.strip()}


def _kept(headers: Iterable[tuple[str, str]], dropped: frozenset[str]) -> CIMultiDict[str]:
    pairs = list(headers)
    also = _named_by_connection(pairs)
    return CIMultiDict((name, value) for name, value in pairs
                       if _spelling(name) not in dropped and _spelling(name) not in also)


def upstream_request_headers(
    incoming: Iterable[tuple[str, str]],
    *,
    token: str | None,
    client_ip: str | None,
    proto: str,
    host: str,
    request_id: str,
) -> CIMultiDict[str]:
    """The headers of the call to the upstream, from the browser's ``incoming``."""
    headers = _kept(incoming, _NOT_FORWARDED)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if client_ip:
        headers["X-Forwarded-For"] = client_ip
    headers["X-Forwarded-Proto"] = proto
    headers["X-Forwarded-Host"] = host
    headers["X-Request-Id"] = request_id
    return headers


def browser_response_headers(upstream: Mapping[str, str] | Iterable[tuple[str, str]]) -> (
    CIMultiDict[str]
):
    """The upstream answer's headers as the browser gets them."""
    pairs = upstream.items() if isinstance(upstream, Mapping) else upstream
    return _kept(pairs, _NOT_RETURNED)
