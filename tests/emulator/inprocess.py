"""An emulator built in this process (so a test can hand it pinned randomness), served on a
real loopback port from its own thread: clients still reach it over HTTP."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from aiohttp import web

from cognito_emulator.server import create_app
from cognito_emulator.state import Emulator
from tests.servers import free_port


class ThreadedEmulator:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(create_app(emulator))
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedEmulator:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
