"""Gateway integration fixtures: the real emulator in its own process, a real redis-server,
and the gateway app served over HTTP with its own aiobotocore client. Nothing is mocked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.config import Settings, load_settings
from tests.demo import environment
from tests.gateway.drivers import GatewayFactory, HtmlDriver, JsonDriver, drive
from tests.gateway.hooks import EmulatorHooks, fresh_hooks
from tests.servers import EmulatorProcess, RedisServer


@pytest.fixture
async def hooks(emulator: EmulatorProcess, redis_server: RedisServer) -> AsyncIterator[
    EmulatorHooks
]:
    async with fresh_hooks(emulator, redis_server) as emulator_hooks:
        yield emulator_hooks


@pytest.fixture
async def make_gateway(
    emulator: EmulatorProcess, redis_server: RedisServer, hooks: EmulatorHooks
) -> AsyncIterator[GatewayFactory]:
    """Start a gateway with the demo configuration plus overrides (GATEWAY_ names, lower
    case, without the prefix: ``make_gateway(auth_flow="USER_PASSWORD_AUTH")``)."""
    clients: list[TestClient] = []

    async def make(settings: Settings | None = None, **overrides: Any) -> TestClient:
        create_kwargs = overrides.pop("create_kwargs", {})
        if settings is None:
            settings = load_settings(environment(emulator, redis_server, **overrides))
        server = TestServer(create_app(settings, **create_kwargs), host="127.0.0.1")
        await server.start_server()
        # Secure (__Host-) cookies over plain-http loopback, as a browser treats localhost.
        jar = CookieJar(unsafe=True, treat_as_secure_origin=[server.make_url("/")])
        client = TestClient(server, cookie_jar=jar)
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> TestClient:
    return await make_gateway()


@pytest.fixture(params=["html", "json"])
def face(request: pytest.FixtureRequest) -> str:
    """Each test that takes it runs once through the pages and once through the JSON API."""
    return str(request.param)


@pytest.fixture
async def driver(face: str, gateway: TestClient) -> HtmlDriver | JsonDriver:
    return drive(gateway, face)
