"""Fixtures shared by every test directory: a real redis-server of the tests' own, and the
Cognito emulator on its demo seed, each in its own process, started once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiohttp import web_app

from tests.demo import DEMO_SEED
from tests.servers import EmulatorProcess, RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorProcess]:
    process = EmulatorProcess(DEMO_SEED)
    process.start()
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def _release_finished_apps() -> Iterator[None]:
    """Let the apps a test served be freed once it ends.

    aiohttp memoises each (handler, app chain) pair's middleware chain in a module-level LRU
    cache of 1024 entries, which keeps every app it has seen alive, and with it the app's
    Cognito client, templates and Redis pool: hundreds of finished gateways, a few MB each, and
    a slow garbage collection when the run ends. Emptying it between tests costs one rebuild
    per route in the next test.
    """
    yield
    cache = getattr(web_app, "_cached_build_middleware", None)
    if cache is not None:  # a private detail of aiohttp; without it there is nothing to free
        cache.cache_clear()
