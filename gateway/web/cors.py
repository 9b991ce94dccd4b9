"""CORS for single-page apps on another origin of the same site (``GATEWAY_CORS_ORIGINS``).

Only the JSON API (``/auth/``) and the relayed routes take part, and only for the origins
listed, compared exactly: such an origin gets ``Access-Control-Allow-Origin`` naming it (never
``*``), with credentials, and its preflights are answered; any other origin gets no CORS header
at all, and a preflight from it is refused, so its page can neither read an answer nor send the
``X-CSRF`` header that every call needs. ``Vary: Origin`` keeps caches from mixing the two.

The session cookie is ``SameSite=Lax``: a browser sends it to the gateway from pages of the
same *site* only (``app.example.com`` calling ``auth.example.com``), which is what this is for.
A page on another site would need ``SameSite=None`` cookies, which the gateway does not issue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway.keys import ROOT_APP, SETTINGS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PREFLIGHT_MAX_AGE = 600  # seconds a browser may keep a preflight's answer
_EXPOSED = "X-Request-Id, Retry-After"
_API_METHODS = "GET, POST"


def takes_part(request: web.Request) -> str | None:
    """The methods the path allows cross-origin, or None when it is not a CORS path."""
    path = request.path
    if path.startswith("/auth/"):
        return _API_METHODS
    for route in request[ROOT_APP][SETTINGS].routes:
        if path.startswith(route.prefix):
            return ", ".join(route.methods or ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"))
    return None


def allowed_origin(request: web.Request) -> str | None:
    """The request's Origin when it is one of the listed, else None."""
    origin = request.headers.get("Origin")
    if origin is not None and origin in request[ROOT_APP][SETTINGS].relay.cors_origins:
        return origin
    return None


@web.middleware
async def preflights(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer a CORS preflight (OPTIONS with Access-Control-Request-Method) on a CORS path:
    204 with what the listed origin may send, 403 for any other origin."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return await handler(request)
    methods = takes_part(request)
    if methods is None:
        return await handler(request)
    origin = allowed_origin(request)
    asked = request.headers["Access-Control-Request-Method"].upper()
    if origin is None or asked not in {m.strip() for m in methods.split(",")}:
        return web.Response(status=403, headers={"Vary": "Origin"})
    requested = request.headers.get("Access-Control-Request-Headers", "")
    return web.Response(status=204, headers={
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": methods,
        # The listed origin is trusted with the headers its page sends (X-CSRF among them).
        "Access-Control-Allow-Headers": requested or "X-CSRF, Content-Type",
        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
        "Vary": "Origin",
    })


async def cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    """An ``on_response_prepare`` hook: the CORS headers of an answer on a CORS path (a
    streamed relay answer too)."""
    if "Origin" not in request.headers or takes_part(request) is None:
        return
    if "Origin" not in response.headers.get("Vary", ""):
        response.headers.add("Vary", "Origin")
    origin = allowed_origin(request)
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Expose-Headers"] = _EXPOSED
