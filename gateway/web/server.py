"""The HTTP server under the application, for what aiohttp decides before any middleware runs.

* **Connections per client.** Every open connection costs a socket and a task, whether or not a
  request ever completes on it, so each client IP may hold at most
  ``GATEWAY_MAX_CONNECTIONS_PER_CLIENT``; one more is closed as soon as it is accepted. The
  client is the TCP peer: X-Forwarded-For is only a header, read once a request has arrived.
  A trusted proxy's connections are not counted (they carry everyone's requests); behind one,
  the proxy caps each real client (README, "Deploying against real Cognito").
* **Malformed HTTP.** aiohttp answers a request it cannot parse (a bad request line, a header
  too long) itself, with a page of its own, no security headers, and a traceback logged at
  ERROR. It offers no hook for that answer (aio-libs/aiohttp#3287), so the connection class
  below renders the gateway's error page instead, with the usual headers and one INFO line.

Both live in aiohttp's connection class and its factory, which only a runner of ours can hand
to aiohttp: ``python -m gateway`` serves through :func:`run`. An application served another
way (the tests' TestServer) keeps every other rule, which the application itself applies.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

from gateway import errors
from gateway.keys import ROOT_APP, SETTINGS
from gateway.web.middleware import SERVER_NAME, log_refusal, open_request, secure_headers
from gateway.web.render import error_page

log = logging.getLogger("gateway.http")


class _Connection(web.RequestHandler):
    """aiohttp's protocol for one connection, answering its low-level errors as the gateway."""

    __slots__ = ()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # the server counts it; its task is under way
        # Refused only now: closed any sooner, the connection would be gone before the task
        # aiohttp starts for it, which then finds no server to serve it for.
        assert isinstance(self._manager, GatewayServer)
        if self._manager.over_cap(self):
            self.force_close()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:
            # As aiohttp: once an answer has begun, no other can be sent.
            raise ConnectionError("the response has begun; no error page can follow it")
        assert isinstance(self._manager, GatewayServer)
        assert isinstance(request, web.Request)  # the application's request factory made it
        if ROOT_APP not in request:
            # Nothing parsed: aiohttp's stand-in request has a plain dict for headers.
            request = request.clone(headers={})
            open_request(request, self._manager.app)
        error: errors.GatewayError
        if status == 400:
            # The parser's own words quote what the client sent: only their kind is logged.
            error = errors.InvalidRequest(f"malformed HTTP: {type(exc).__name__}")
            log_refusal(request, error)
        else:
            # 500: something failed outside the error middleware, which catches the rest.
            error = errors.GatewayError("unhandled error")
            log.error("unhandled error", exc_info=exc)
        response = error_page(request, error)
        # What the response hooks add to every routed answer (no route ran here).
        secure_headers(request, response)
        response.headers["Server"] = SERVER_NAME
        response.headers["Cache-Control"] = "no-store"
        response.force_close()
        return response


class GatewayServer(web.Server):
    """aiohttp's server (the connection factory), counting connections per client IP."""

    def __init__(self, app: web.Application, built: web.Server) -> None:
        # The server aiohttp built for ``app``, remade with the same handler and arguments.
        super().__init__(
            built.request_handler,
            request_factory=built.request_factory,
            handler_cancellation=built.handler_cancellation,
            loop=built._loop,
            **built._kwargs,
        )
        self.app = app
        settings = app[SETTINGS]
        self._cap = settings.http.max_connections_per_client
        self._trusted = settings.trusted_proxies
        self._open: Counter[str] = Counter()
        self._client_of: dict[web.RequestHandler, str] = {}

    def __call__(self) -> web.RequestHandler:
        return _Connection(self, loop=self._loop, **self._kwargs)

    def _counted_client(self, transport: asyncio.Transport) -> str | None:
        peer = transport.get_extra_info("peername")
        if not isinstance(peer, tuple):  # a Unix socket: only a local proxy can connect
            return None
        address = ipaddress.ip_address(peer[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped  # a dual-stack socket's view of an IPv4 client
        if any(address in network for network in self._trusted):
            return None
        return str(address)

    def connection_made(self, handler: web.RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        client = self._counted_client(transport)
        if client is not None:
            self._client_of[handler] = client
            self._open[client] += 1

    def over_cap(self, handler: web.RequestHandler) -> bool:
        client = self._client_of.get(handler)
        if client is None or self._open[client] <= self._cap:
            return False
        log.info("refused: too many connections",
                 extra={"client_ip": client, "code": "too_many_connections"})
        return True

    def connection_lost(
        self, handler: web.RequestHandler, exc: BaseException | None = None
    ) -> None:
        super().connection_lost(handler, exc)
        client = self._client_of.pop(handler, None)
        if client is not None:
            self._open[client] -= 1
            if not self._open[client]:
                del self._open[client]


class GatewayRunner(web.AppRunner):
    __slots__ = ()

    async def _make_server(self) -> web.Server:
        return GatewayServer(self.app, await super()._make_server())


def run(app: web.Application, host: str, port: int, *, ready: Callable[[], Any]) -> None:
    """Serve ``app`` through :class:`GatewayServer` until SIGINT or SIGTERM, as
    ``web.run_app`` would; ``ready`` is called once the port is open."""

    async def serve() -> None:
        runner = GatewayRunner(app, handle_signals=True, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            ready()
            await asyncio.Event().wait()  # until a signal raises GracefulExit
        finally:
            await runner.cleanup()

    with contextlib.suppress(web.GracefulExit, KeyboardInterrupt):
        asyncio.run(serve())
