"""The emulator's /_emulator/ test hooks, as the gateway tests use them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import redis

from tests.servers import EmulatorProcess, RedisServer


class EmulatorHooks:
    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self.url = base_url

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self._session.request(method, f"{self.url}/_emulator/{path}", **kwargs) as r:
            body = await r.json()
            assert r.status < 300, (path, r.status, body)
            return body

    async def reset(self) -> None:
        await self._json("POST", "reset")

    async def messages(self, username: str) -> list[dict[str, Any]]:
        return list((await self._json("GET", "outbox", params={"username": username}))["messages"])

    async def latest_code(self, username: str) -> str:
        messages = await self.messages(username)
        assert messages, f"no message was sent to {username}"
        return str(messages[-1]["code"])

    async def totp(self, username: str) -> str:
        return str((await self._json("GET", "totp", params={"username": username}))["code"])

    async def calls(self, operation: str | None = None) -> list[dict[str, Any]]:
        params = {"operation": operation} if operation else {}
        return list((await self._json("GET", "calls", params=params))["calls"])

    async def fault(self, operation: str, **fault: Any) -> None:
        await self._json("POST", "faults", json={"operation": operation, **fault})

    async def advance(self, seconds: float) -> None:
        await self._json("POST", "clock", json={"advance_seconds": seconds})


@asynccontextmanager
async def fresh_hooks(
    emulator: EmulatorProcess, redis_server: RedisServer
) -> AsyncIterator[EmulatorHooks]:
    """Hooks on an emulator reset to its seed, with an empty Redis: every test starts clean."""
    with redis.Redis(port=redis_server.port) as r:
        r.flushall()
    async with aiohttp.ClientSession() as session:
        emulator_hooks = EmulatorHooks(session, emulator.url)
        await emulator_hooks.reset()
        yield emulator_hooks
