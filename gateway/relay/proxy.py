"""The relay: a signed-in page's call to a configured upstream, sent on with the person's token.

One sub-application per route (:func:`relay_app`), mounted at its prefix, like the JSON API:
its own middlewares answer every refusal as JSON (401 ``not_signed_in``, never a redirect) and
require ``X-CSRF: 1``, which a cross-site page cannot send without a CORS preflight the gateway
grants only to the origins it lists. The gateway's body rule does not apply here: bodies stream
both ways, however large, through one keep-alive connection pool per route.

What the upstream gets and what the browser gets back are :mod:`gateway.relay.headers`'s
decision; which path is refused before any upstream is touched, :mod:`gateway.relay.paths`'.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Middleware

from gateway import errors
from gateway.keys import (
    CLIENT_IP,
    FRESHNESS,
    RELAYED,
    REQUEST_ID,
    ROOT_APP,
    SETTINGS,
    UPSTREAM_CLIENTS,
)
from gateway.relay import paths
from gateway.relay.headers import browser_response_headers, upstream_request_headers
from gateway.relay.routes import Route
from gateway.relay.websocket import relay_websocket
from gateway.session.sessions import UserSession
from gateway.web.csrf_header import csrf_header_rule, websocket_upgrade
from gateway.web.middleware import clear_stale_cookies, json_errors
from gateway.web.session_layer import Current, current_session, session_ended

log = logging.getLogger("gateway.relay")

CHUNK = 64 * 1024
# Methods a refused token may be retried with: idempotent and without a body to send twice.
_RETRYABLE = frozenset({"GET", "HEAD", "OPTIONS"})


def relay_app(route: Route, *, guard: Middleware) -> web.Application:
    """The sub-application for ``route``, to mount at its prefix (without the last ``/``).
    ``guard`` is the composition root's cross-site rule (CORS-aware)."""
    app = web.Application(middlewares=[json_errors, guard, csrf_header_rule(
        websocket_upgrades=route.websocket, public_reads=route.public)])

    async def handle(request: web.Request) -> web.StreamResponse:
        return await relay(request, route)

    app.router.add_route("*", "/{tail:.*}", handle)
    return app


@asynccontextmanager
async def upstream_clients(
    routes: tuple[Route, ...],
) -> AsyncIterator[dict[str, aiohttp.ClientSession]]:
    """One HTTP client per route: its own keep-alive pool, no cookie jar (an upstream's cookies
    must never be kept, let alone sent with another person's call), no decoding of what the
    upstream sends (its bytes reach the browser as they are, Content-Encoding and all)."""
    clients = {
        route.prefix: aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=256, keepalive_timeout=30),
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
        )
        for route in routes
    }
    try:
        yield clients
    finally:
        for client in clients.values():
            await client.close()


async def relay(request: web.Request, route: Route) -> web.StreamResponse:
    request[RELAYED] = "anonymous"
    if not route.allows(request.method):
        raise errors.MethodNotAllowed(f"{request.method} not allowed on {route.prefix}")
    raw_path = request.raw_path.partition("?")[0]
    if (reason := paths.refused(raw_path)) is not None:
        raise errors.InvalidRequest(f"relay path refused: {reason}", detail="path")
    current = await current_session(request)
    if current is None and not route.anonymous:
        if session_ended(request):
            raise errors.SessionExpired("the session ended at its refresh")
        raise errors.NotSignedIn("relayed call without a session")
    if current is not None and not route.admits(current.session.user.get("groups")):
        raise errors.Forbidden(f"not in the groups of {route.prefix}")
    url = paths.upstream_url(route, raw_path, request.rel_url.raw_query_string)
    if route.websocket and websocket_upgrade(request):
        token = bearer(route, current.session if current else None)
        return await relay_websocket(request, route, url, current, _headers(request, token))
    retry = request.method in _RETRYABLE and not request.body_exists
    return await _send(request, route, url, current, retry=retry)


# Which of the session's tokens each route's ``token`` names (``none``: none at all).
_BEARERS: dict[str, Callable[[UserSession], str]] = {
    "access": lambda session: session.access_token,
    "id": lambda session: session.id_token,
}


def bearer(route: Route, session: UserSession | None) -> str | None:
    """The token ``route`` sends for ``session`` (None without a session)."""
    pick = _BEARERS.get(route.token)
    return pick(session) if pick is not None and session is not None else None


def _headers(request: web.Request, token: str | None) -> dict[str, str]:
    proto, host = _forwarded_origin(request)
    headers = upstream_request_headers(
        request.headers.items(), token=token, client_ip=request[CLIENT_IP], proto=proto,
        host=host, request_id=request[REQUEST_ID],
    )
    if request.content_length is not None:
        # A body with a length is sent with that length (the rest is streamed chunked).
        headers["Content-Length"] = str(request.content_length)
    return dict(headers)


def _forwarded_origin(request: web.Request) -> tuple[str, str]:
    """The scheme and host the browser used: what a trusted proxy says it was, else what the
    gateway itself was reached with."""
    peer = request.remote
    trusted = request[ROOT_APP][SETTINGS].trusted_proxies
    try:
        from_proxy = peer is not None and any(
            ipaddress.ip_address(peer) in network for network in trusted)
    except ValueError:
        from_proxy = False
    if from_proxy:
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip()
        host = request.headers.get("X-Forwarded-Host", "").split(",")[-1].strip()
        return proto or request.scheme, host or request.host
    return request.scheme, request.host


async def _send(
    request: web.Request, route: Route, url: object, current: Current | None, *, retry: bool
) -> web.StreamResponse:
    client = request[ROOT_APP][UPSTREAM_CLIENTS][route.prefix]
    session = current.session if current else None
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=min(route.timeout, 10),
                                    sock_read=route.timeout)
    for attempt in (1, 2):
        token = bearer(route, session)
        request[RELAYED] = "personal" if token is not None else "anonymous"
        body = request.content if request.body_exists else None
        try:
            upstream = await client.request(
                request.method, url, headers=_headers(request, token), data=body,  # type: ignore[arg-type]
                allow_redirects=False, timeout=timeout, compress=False,
            )
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise errors.UpstreamTimeout(f"{route.prefix} did not answer in time",
                                         detail="relay") from None
        except aiohttp.ClientError as error:
            raise errors.UpstreamUnavailable(f"{route.prefix}: {type(error).__name__}",
                                             detail="relay") from None
        if (upstream.status == 401 and retry and attempt == 1 and token is not None
                and current is not None):
            # The upstream refused a token the gateway believed good (revoked keys, a clock
            # apart): one forced refresh, one more try, for a call that can be repeated.
            upstream.release()
            session = await request[ROOT_APP][FRESHNESS].fresh(current.ticket, current.session,
                                                                force=True)
            continue
        try:
            return await _stream_back(request, upstream, route)
        finally:
            upstream.release()
    raise AssertionError("unreachable")  # pragma: no cover - the loop always returns


async def _stream_back(request: web.Request, upstream: aiohttp.ClientResponse,
                       route: Route) -> web.StreamResponse:
    response = web.StreamResponse(status=upstream.status, reason=upstream.reason,
                                  headers=browser_response_headers(upstream.headers))
    length = upstream.headers.get("Content-Length")
    if length is not None and length.isdigit():
        response.content_length = int(length)
    clear_stale_cookies(request, response)
    await response.prepare(request)
    try:
        async for chunk in upstream.content.iter_chunked(CHUNK):
            await response.write(chunk)
    except (TimeoutError, aiohttp.ClientError) as error:
        # Half an answer is already on its way: the connection is cut rather than the body
        # passed off as whole.
        log.warning("upstream answer broke off", extra={"route": route.prefix,
                                                        "error": type(error).__name__})
        request.transport and request.transport.close()  # type: ignore[func-returns-value]
        return response
    await response.write_eof()
    return response
