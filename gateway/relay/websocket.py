"""WebSockets through the relay, for routes with ``"websocket": true``.

A browser cannot add ``X-CSRF`` to a WebSocket handshake, and cookies ride along with one from
any page, so the handshake's Origin must be this site's (or a listed CORS origin): the defence
against cross-site WebSocket hijacking. The token is attached to the upgrade like any relayed
call. While the socket is open the gateway checks every few seconds that the session still
exists; when it has ended (sign-out here or on another instance, everywhere, a timeout) both
sides are closed with 1008 (policy violation).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
from aiohttp import WSMsgType, web
from yarl import URL

from gateway import errors
from gateway.keys import ROOT_APP, SESSIONS, SETTINGS, UPSTREAM_CLIENTS
from gateway.relay.routes import Route
from gateway.web.session_layer import Current

log = logging.getLogger("gateway.relay")

SESSION_CHECK_SECONDS = 2.0
# Handshake headers aiohttp's client writes itself; the browser's would clash with them.
_HANDSHAKE = frozenset({"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
                        "sec-websocket-accept", "sec-websocket-protocol", "content-length"})
POLICY_VIOLATION = 1008


def same_site_origin(request: web.Request) -> bool:
    """Whether the handshake's Origin is this host or a listed CORS origin."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: it carries no victim's cookies
    if origin in request[ROOT_APP][SETTINGS].relay.cors_origins:
        return True
    scheme, separator, authority = origin.partition("://")
    return bool(separator) and scheme in {"http", "https", "ws", "wss"} and (
        authority.lower() == request.host.lower())


async def relay_websocket(
    request: web.Request, route: Route, url: URL, current: Current | None,
    headers: dict[str, str],
) -> web.StreamResponse:
    """Relay a WebSocket: ``headers`` are the upgrade's, the bearer token among them."""
    if not same_site_origin(request):
        raise errors.CsrfFailed("WebSocket handshake from another site", detail="cross_site")
    sent = {k: v for k, v in headers.items() if k.lower() not in _HANDSHAKE}
    protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")
                 if p.strip()]
    client = request[ROOT_APP][UPSTREAM_CLIENTS][route.prefix]
    try:
        upstream = await client.ws_connect(
            url.with_scheme("wss" if url.scheme == "https" else "ws"), headers=sent,
            protocols=protocols, timeout=aiohttp.ClientWSTimeout(ws_receive=None,
                                                                 ws_close=route.timeout),
            autoping=True, max_msg_size=4 * 1024 * 1024,
        )
    except aiohttp.WSServerHandshakeError as refused:
        raise errors.UpstreamUnavailable(
            f"{route.prefix} refused the WebSocket ({refused.status})", detail="relay") from None
    except (TimeoutError, aiohttp.ClientError) as error:
        raise errors.UpstreamUnavailable(f"{route.prefix}: {type(error).__name__}",
                                         detail="relay") from None
    browser = web.WebSocketResponse(protocols=[upstream.protocol] if upstream.protocol else (),
                                    max_msg_size=4 * 1024 * 1024)
    await browser.prepare(request)
    pumps = [asyncio.ensure_future(_pump(browser, upstream)),
             asyncio.ensure_future(_pump(upstream, browser))]
    if current is not None:
        pumps.append(asyncio.ensure_future(_until_session_ends(request, current)))
    try:
        done, _ = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pump in pumps:
            pump.cancel()
        for pump in pumps:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
    ended = current is not None and pumps[-1] in done
    code = POLICY_VIOLATION if ended else (upstream.close_code or 1000)
    await upstream.close(code=POLICY_VIOLATION if ended else 1000)
    await browser.close(code=code, message=b"session ended" if ended else b"")
    return browser


async def _pump(source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
                target: web.WebSocketResponse | aiohttp.ClientWebSocketResponse) -> None:
    async for message in source:
        if message.type == WSMsgType.TEXT:
            await target.send_str(message.data)
        elif message.type == WSMsgType.BINARY:
            await target.send_bytes(message.data)
        elif message.type in {WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.ERROR}:
            return


async def _until_session_ends(request: web.Request, current: Current) -> None:
    sessions = request[ROOT_APP][SESSIONS]
    while True:
        await asyncio.sleep(SESSION_CHECK_SECONDS)
        try:
            if not await sessions.exists(current.ticket):
                return
        except errors.StoreUnavailable:
            continue  # cannot tell: keep the socket until Redis answers again
