"""Gateway integration fixtures: the real emulator in its own process, a real redis-server,
and the gateway app served over HTTP with its own aiobotocore client. Nothing is mocked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer

from gateway.app import create_app
from gateway.config import Settings, load_settings
from tests.gateway.drivers import HtmlDriver, JsonDriver, drive
from tests.gateway.hooks import EmulatorHooks, fresh_hooks
from tests.servers import EmulatorProcess, RedisServer

PASSWORD = "Demo-Passw0rd!"
TEMPORARY_PASSWORD = "Temp-Passw0rd!"
POOL = "us-east-1_DemoPool01"
CLIENT = "1demogatewayclient00000001"
SECRET = "1demogatewayclientsecret0000000000000000000000000001"
PUBLIC_CLIENT = "3demopublicclient000000003"
MFA_POOL = "us-east-1_DemoPool02"
MFA_CLIENT = "2demogatewayclient00000002"
MFA_SECRET = "2demogatewayclientsecret0000000000000000000000000002"
SIGNING_KEY = "test-signing-key-0123456789abcdefghijklmnop"

GatewayFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def hooks(emulator: EmulatorProcess, redis_server: RedisServer) -> AsyncIterator[
    EmulatorHooks
]:
    async with fresh_hooks(emulator, redis_server) as emulator_hooks:
        yield emulator_hooks


def environment(
    emulator: EmulatorProcess, redis_server: RedisServer, **overrides: str
) -> dict[str, str]:
    env = {
        "GATEWAY_REDIS_URL": redis_server.url,
        "GATEWAY_SECRET_KEYS": SIGNING_KEY,
        "GATEWAY_USER_POOL_ID": POOL,
        "GATEWAY_CLIENT_ID": CLIENT,
        "GATEWAY_CLIENT_SECRET": SECRET,
        "GATEWAY_COGNITO_ENDPOINT": emulator.url,
        "GATEWAY_BRAND_NAME": "Demo App",
    }
    env.update({f"GATEWAY_{key.upper()}": value for key, value in overrides.items()})
    return {k: v for k, v in env.items() if v != ""}


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
