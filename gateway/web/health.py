"""Liveness and readiness.

Liveness answers from the event loop alone: if it responds, the process is alive, and a
restart would not help an outage elsewhere. Readiness asks Redis, because without it no
sign-in can work and a load balancer should send people to another instance.
"""

from __future__ import annotations

from aiohttp import web

from gateway.errors import StoreUnavailable
from gateway.keys import ROOT_APP, STORE

routes = web.RouteTableDef()


@routes.get("/healthz")
async def liveness(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readiness(request: web.Request) -> web.StreamResponse:
    try:
        await request[ROOT_APP][STORE].ping()
    except StoreUnavailable:
        return web.json_response(
            {"status": "unavailable", "redis": "down"}, status=503, headers={"Retry-After": "5"}
        )
    return web.json_response({"status": "ok", "redis": "up"})
