"""Fixtures shared by every test directory: a real redis-server of the tests' own, and the
Cognito emulator on its demo seed, each in its own process, started once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
