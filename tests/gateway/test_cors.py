"""CORS for an SPA on another origin of the same site (GATEWAY_CORS_ORIGINS): what a browser
sends (a preflight, then the call with Origin and Sec-Fetch-Site) and what it may read. A
listed origin is named back exactly, with credentials; any other origin gets no CORS header,
its preflight is refused, and its writes are refused as cross-site; the hosted pages never
take part."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.demo import PASSWORD, PASSWORD_USER
from tests.gateway.drivers import GatewayFactory
from tests.gateway.hooks import EmulatorHooks
from tests.servers import EmulatorProcess
from tests.upstream.support import running_upstream

APP = "https://app.example.com"
OTHER = "https://evil.example"


@pytest.fixture
async def upstream(emulator: EmulatorProcess) -> AsyncIterator[TestServer]:
    async with running_upstream(emulator.url) as server:
        yield server


async def cors_gateway(make_gateway: GatewayFactory, upstream: TestServer) -> TestClient:
    routes = json.dumps({"/api/": {"url": str(upstream.make_url("/")), "methods": ["GET", "PUT"]}})
    return await make_gateway(cors_origins=f"{APP}, https://admin.example.com", upstreams=routes)


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type, x-csrf",
            "Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"}


def from_page(origin: str, site: str = "same-site") -> dict[str, str]:
    return {"Origin": origin, "Sec-Fetch-Site": site, "Sec-Fetch-Mode": "cors", "X-CSRF": "1"}


async def test_a_listed_origin_is_answered_by_name_with_credentials(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await cors_gateway(make_gateway, upstream)
    answer = await gateway.options("/auth/login", headers=preflight(APP))
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == APP
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    assert answer.headers["Access-Control-Allow-Headers"] == "content-type, x-csrf"
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert "Origin" in answer.headers["Vary"]

    login = await gateway.post("/auth/login", headers=from_page(APP),
                               json={"username": PASSWORD_USER, "password": PASSWORD})
    assert login.status == 200, await login.text()
    assert login.headers["Access-Control-Allow-Origin"] == APP
    assert login.headers["Access-Control-Allow-Credentials"] == "true"
    assert "X-Request-Id" in login.headers["Access-Control-Expose-Headers"]
    # A relayed call, streamed: the same headers.
    relayed = await gateway.get("/api/echo/x", headers=from_page(APP))
    assert relayed.status == 200
    assert relayed.headers["Access-Control-Allow-Origin"] == APP
    # The route's methods are what its preflight allows.
    put = await gateway.options("/api/echo/x", headers=preflight(APP, "PUT"))
    assert put.status == 204 and put.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    delete = await gateway.options("/api/echo/x", headers=preflight(APP, "DELETE"))
    assert delete.status == 403


async def test_any_other_origin_gets_nothing(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await cors_gateway(make_gateway, upstream)
    for origin in (OTHER, "https://app.example.com.evil.example", "http://app.example.com",
                   "null"):
        answer = await gateway.options("/auth/login", headers=preflight(origin))
        assert answer.status == 403, origin
        assert "Access-Control-Allow-Origin" not in answer.headers
        login = await gateway.post("/auth/login", headers=from_page(origin, "cross-site"),
                                   json={"username": PASSWORD_USER, "password": PASSWORD})
        assert login.status == 403 and (await login.json())["error"]["code"] == "csrf_failed"
        assert "Access-Control-Allow-Origin" not in login.headers
    never_star = await gateway.get("/auth/session", headers=from_page(APP))
    assert never_star.headers["Access-Control-Allow-Origin"] == APP


async def test_the_hosted_pages_take_no_part(
    make_gateway: GatewayFactory, upstream: TestServer, hooks: EmulatorHooks
) -> None:
    gateway = await cors_gateway(make_gateway, upstream)
    page = await gateway.get("/login", headers={"Origin": APP})
    assert "Access-Control-Allow-Origin" not in page.headers
    form = await gateway.post("/login", headers={"Origin": APP, "Sec-Fetch-Site": "same-site"},
                              data={"username": "x", "password": "y"})
    assert form.status == 403  # a form posted from the app's origin is still cross-site here
