"""``create_app``: the upstream as an aiohttp application, for ``python -m demo_upstream`` and
for tests that serve it in-process with ``aiohttp.test_utils.TestServer``."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from aiohttp import web

from demo_upstream import routes, spa, websocket
from demo_upstream.appkeys import JWKS, REQUEST_LOG, VERIFIER
from demo_upstream.auth import Verifier
from demo_upstream.guard import guard
from demo_upstream.keys import REFETCH_INTERVAL_SECONDS, JwksCache
from demo_upstream.requestlog import RequestLog


def create_app(jwks_url: str, issuer: str, *, client_ids: Collection[str] | None = None,
               log_path: str | Path | None = None,
               refetch_interval: float = REFETCH_INTERVAL_SECONDS) -> web.Application:
    """An upstream trusting tokens of one user pool.

    ``issuer`` is the exact ``iss`` expected (``http://127.0.0.1:9229/<pool id>`` for the
    emulator reached on that address); ``client_ids``, if given, limits which app clients'
    tokens are accepted; ``log_path`` appends the request log there as JSON lines.
    """
    app = web.Application(middlewares=[guard])
    keys = JwksCache(jwks_url, refetch_interval=refetch_interval)
    app[JWKS] = keys
    app[VERIFIER] = Verifier(keys, issuer, client_ids)
    app[REQUEST_LOG] = RequestLog(log_path)
    routes.add_routes(app)
    websocket.add_routes(app)
    spa.add_routes(app)

    async def close(app: web.Application) -> None:
        await app[JWKS].close()
        app[REQUEST_LOG].close()

    app.on_cleanup.append(close)
    return app
