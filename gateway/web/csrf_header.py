"""The static ``X-CSRF: 1`` header every call of the JSON API and the relay must carry.

A cross-site page cannot add a custom header to a request without a CORS preflight, which the
gateway grants only to the origins it lists (GATEWAY_CORS_ORIGINS), so the header alone stops
cross-site calls: the pattern of Duende's BFF. A route may opt out (``csrf_header_exempt``), and
a WebSocket upgrade cannot carry the header at all: its Origin is checked instead
(:mod:`gateway.relay.websocket`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from gateway import errors

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def csrf_header_exempt(handler: Handler) -> Handler:
    """Route metadata: this route may be fetched without ``X-CSRF`` (documentation only)."""
    handler.csrf_header_exempt = True  # type: ignore[attr-defined]
    return handler


def websocket_upgrade(request: web.Request) -> bool:
    return request.method == "GET" and request.headers.get("Upgrade", "").lower() == "websocket"


def csrf_header_rule(*, websocket_upgrades: bool = False, public_reads: bool = False
                     ) -> Middleware:
    """The rule as a middleware: every call must carry ``X-CSRF: 1`` unless its route opted
    out; where ``websocket_upgrades`` (a relayed route that carries WebSockets), an upgrade,
    whose Origin the relay checks instead; where ``public_reads`` (a relayed route for anyone
    that sends no token: a page and its files), a GET or HEAD, which a browser loading a page
    cannot give the header and which carries nobody's identity there. CORS preflights never
    get here: the CORS layer answers them first."""

    @web.middleware
    async def csrf_header(request: web.Request, handler: Handler) -> web.StreamResponse:
        exempt = getattr(request.match_info.handler, "csrf_header_exempt", False) or (
            websocket_upgrades and websocket_upgrade(request)) or (
            public_reads and request.method in {"GET", "HEAD"})
        if not exempt and request.headers.get("X-CSRF") != "1":
            # Its own sentence: "this form has expired" would send a developer the wrong way.
            raise errors.CsrfFailed("missing X-CSRF header", detail="header")
        return await handler(request)

    return csrf_header


csrf_header = csrf_header_rule()
