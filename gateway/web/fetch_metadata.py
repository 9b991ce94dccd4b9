"""Cross-site writes refused outright, from what the browser says about where a request came
from (Fetch Metadata: ``Sec-Fetch-Site``; the ``Origin`` header where a browser predates it).

This comes before, not instead of, the CSRF tokens and the API's ``X-CSRF`` rule: it stops a
forged request before any handler reads its body or a cookie, including on routes that take
no token (a sign-out from a browser that no longer carries the session cookie).

Only ``same-origin`` and ``none`` (the person typed the URL or used a bookmark) may change
state. ``same-site`` is refused too: a page on a sibling subdomain is another application, and
anyone who can put a page on one could otherwise post to the gateway as a neighbour.

Requests with neither header come from software that is not a browser (curl, a health check,
a server-side client); they carry no victim's cookies, so the usual rules are enough for them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway import errors
from gateway.web.cors import allowed_origin, takes_part

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# RFC 9110 9.2.1: the methods that do not change state. Everything else is guarded.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_SENT_BY_THE_SITE_ITSELF = frozenset({"same-origin", "none"})
_SENT_BY_ANOTHER_SITE = frozenset({"same-site", "cross-site"})


def _cross_site(request: web.Request) -> str | None:
    """Why this request is not the site's own, or None when it is (or nobody can tell), or
    when it comes from an origin listed in GATEWAY_CORS_ORIGINS to the JSON API or the relay
    (whose X-CSRF rule still holds: only a preflight the gateway granted lets it be sent)."""
    if allowed_origin(request) is not None and takes_part(request) is not None:
        return None
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site in _SENT_BY_THE_SITE_ITSELF:
            return None
        # Any other value is refused as well; only the ones the standard defines reach the log.
        return f"Sec-Fetch-Site {fetch_site if fetch_site in _SENT_BY_ANOTHER_SITE else '?'}"
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    # An Origin is serialised as scheme://host[:port], the port only when not the scheme's
    # default, exactly as a browser writes the Host header; compared as text, so a hostile
    # value cannot make a parser fail. Host and port are compared, the scheme is not: behind a
    # TLS-terminating proxy the gateway hears http for a page served over https. A page on the
    # same host over plain http is kept out by HSTS, the Secure cookies and schemeful SameSite.
    scheme, separator, authority = origin.partition("://")
    if separator and scheme in {"http", "https"} and authority.lower() == request.host.lower():
        return None
    return "Origin " + ("null" if origin == "null" else "of another site")


@web.middleware
async def same_origin_writes(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a state-changing request another site's page sent (403 ``csrf_failed``).

    Registered on each face's application. The gateway's own middlewares also wrap the
    sub-application's requests, so here it leaves those to the sub-application's copy, which
    sits inside that face's error rendering (JSON under ``/auth``).
    """
    served_by_a_subapp = request.match_info.apps[-1] is not request.app
    if request.method not in SAFE_METHODS and not served_by_a_subapp:
        reason = _cross_site(request)
        if reason is not None:
            raise errors.CsrfFailed(f"cross-site request refused: {reason}", detail="cross_site")
    return await handler(request)
