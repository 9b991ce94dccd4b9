"""Real-browser fixtures: one headless Chromium for the whole session, the gateway served by a
real aiohttp server it can reach, and a tiny origin serving a stand-in for Cognito's
advanced-security collector.

Everything here runs on the session's event loop (``loop_scope="session"``): Playwright's
objects belong to the loop that started them, so the browser, the servers the browser talks to
and the tests driving it must share one loop. That is also why this directory has its own
``hooks`` fixture rather than the function-loop one in ``tests/gateway``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser

from gateway.app import create_app
from gateway.config import load_settings
from tests.browser.watch import OpenPage, Serve, Watched, watch
from tests.chromium import chromium
from tests.demo import environment
from tests.gateway.hooks import EmulatorHooks, fresh_hooks
from tests.servers import EmulatorProcess, RedisServer

PAGE_TIMEOUT_MS = 10_000
COLLECTOR_SCRIPT = Path(__file__).with_name("collector.js")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as shared:
        yield shared


@pytest_asyncio.fixture(loop_scope="session")
async def hooks(emulator: EmulatorProcess, redis_server: RedisServer) -> AsyncIterator[
    EmulatorHooks
]:
    async with fresh_hooks(emulator, redis_server) as emulator_hooks:
        yield emulator_hooks


async def _serve(app: web.Application, host: str) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    return runner, int(runner.addresses[0][1])


@pytest_asyncio.fixture(loop_scope="session")
async def serve_gateway(
    emulator: EmulatorProcess, redis_server: RedisServer, hooks: EmulatorHooks
) -> AsyncIterator[Serve]:
    """Start a gateway with the demo configuration plus overrides (as ``make_gateway`` takes
    them) and return its base URL.

    The URL says ``localhost`` on purpose: the production cookie defaults (``__Host-`` names,
    Secure) stay on, and Chromium accepts Secure cookies over plain http only because it treats
    localhost as a secure context.
    """
    runners: list[web.AppRunner] = []

    async def serve(**overrides: str) -> str:
        settings = load_settings(environment(emulator, redis_server, **overrides))
        runner, port = await _serve(create_app(settings), "127.0.0.1")
        runners.append(runner)
        return f"http://localhost:{port}"

    yield serve
    for runner in runners:
        await runner.cleanup()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def collector_origin() -> AsyncIterator[str]:
    """Another origin, like Cognito's CDN: ``/collector.js`` answers with the stub collector,
    ``/hanging.js`` never answers (until the session ends)."""
    release = asyncio.Event()

    async def script(request: web.Request) -> web.Response:
        return web.Response(
            text=COLLECTOR_SCRIPT.read_text(), content_type="text/javascript", charset="utf-8"
        )

    async def hanging(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="", content_type="text/javascript")

    app = web.Application()
    app.router.add_get("/collector.js", script)
    app.router.add_get("/hanging.js", hanging)
    runner, port = await _serve(app, "127.0.0.1")
    yield f"http://127.0.0.1:{port}"
    release.set()
    await runner.cleanup()


@pytest_asyncio.fixture(loop_scope="session")
async def open_page(browser: Browser) -> AsyncIterator[OpenPage]:
    """A fresh browser context (its own cookies and storage) with one watched page."""
    opened: list[Watched] = []

    async def open_(base_url: str, **context_options: Any) -> Watched:
        context = await browser.new_context(base_url=base_url, **context_options)
        # Every page here answers in well under a second; a stuck step should fail fast rather
        # than after Playwright's default 30 s.
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        watched = await watch(context)
        opened.append(watched)
        return watched

    yield open_
    for watched in opened:
        await watched.context.close()
