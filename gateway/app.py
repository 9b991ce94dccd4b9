"""The application factory: keys, connections, middleware order and routes in one place.

``create_app`` takes every I/O dependency as an optional override, so tests hand in their own
Redis client or executor instead of patching modules.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

import aiohttp
import redis.asyncio as aioredis
from aiohttp import web

from gateway.cognito.client import Cognito, open_client
from gateway.cognito.jwks import TokenVerifier
from gateway.config import Settings
from gateway.errors import StoreUnavailable
from gateway.keys import (
    CATALOGS,
    COGNITO,
    COGNITO_CLIENT,
    EXECUTOR,
    FRESHNESS,
    HTTP,
    PAGES,
    SESSIONS,
    SETTINGS,
    SIGN_IN,
    SIGNING,
    STORE,
    UPSTREAM_CLIENTS,
    VERIFIER,
)
from gateway.logs import quiet_libraries
from gateway.relay.proxy import relay_app, upstream_clients
from gateway.security.limits import Limits
from gateway.security.signing import Signing
from gateway.session.refresh import Freshness
from gateway.session.sessions import Sessions
from gateway.signin.journey import Journeys
from gateway.signin.runner import Rules, SignIn
from gateway.store import Store, connect
from gateway.web import account, account_devices, account_mfa, api, health, hosted, passkeys
from gateway.web.bodies import whole_bodies
from gateway.web.cors import cors_headers, preflights
from gateway.web.fetch_metadata import same_origin_writes
from gateway.web.i18n import Catalogs
from gateway.web.middleware import (
    cache_control,
    error_pages,
    finish_headers,
    request_context,
    server_name,
)
from gateway.web.session_layer import session_layer
from gateway.web.templates import STATIC_DIR, Pages

if TYPE_CHECKING:  # the typed client exists in the stubs only
    from types_aiobotocore_cognito_idp import CognitoIdentityProviderClient

log = logging.getLogger("gateway")

# The largest legitimate body is a form carrying Cognito's fingerprint (EncodedData, up to
# 128 KiB) next to a few short fields.
MAX_BODY = 192 * 1024

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def _redis(client: aioredis.Redis | None) -> CleanupContext:
    async def context(app: web.Application) -> AsyncIterator[None]:
        redis = client or connect(app[SETTINGS].redis)
        app[STORE] = Store(redis)
        try:
            await app[STORE].ping()
        except StoreUnavailable:
            # Start anyway: liveness stays green, readiness and sign-in answer 503 until
            # Redis is back (no restart needed).
            log.warning("redis is not reachable at start-up; readiness will report 503")
        yield
        if client is None:
            await redis.aclose()

    return context


def _cognito(client: CognitoIdentityProviderClient | None) -> CleanupContext:
    async def context(app: web.Application) -> AsyncIterator[None]:
        if client is not None:
            app[COGNITO_CLIENT] = client
            yield
            return
        async with open_client(app[SETTINGS].cognito) as opened:
            app[COGNITO_CLIENT] = opened
            yield

    return context


SRP_THREAD_NICE = 10


def _yield_to_event_loop() -> None:
    """Run in each SRP worker thread: lower its scheduling priority.

    The event-loop thread answers every request and the workers only do arithmetic that can
    wait a few milliseconds; at equal priority the kernel shares a busy core between them
    evenly, and every request queues behind SRP. On Linux a thread has its own nice value
    (setpriority on its thread id); elsewhere that call would name a process, so it is not
    made. Measured (docs/performance.md): under sign-in load /healthz p50 drops to about a
    third and p99 to about three quarters; throughput stays within the noise.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SRP_THREAD_NICE)


def _http() -> CleanupContext:
    """The gateway's own HTTP clients: one for the pool's JWKS, one per relayed route."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as http, upstream_clients(app[SETTINGS].routes) as (
                clients):
            app[HTTP], app[UPSTREAM_CLIENTS] = http, clients
            yield

    return context


def _executor(executor: Executor | None) -> CleanupContext:
    async def context(app: web.Application) -> AsyncIterator[None]:
        owned = executor is None
        app[EXECUTOR] = executor or ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="srp", initializer=_yield_to_event_loop
        )
        yield
        if owned:
            app[EXECUTOR].shutdown(wait=False, cancel_futures=True)

    return context


def _services(
    clock: Callable[[], datetime] | None, wall_clock: Callable[[], float] | None
) -> CleanupContext:
    async def context(app: web.Application) -> AsyncIterator[None]:
        settings, store = app[SETTINGS], app[STORE]
        app[COGNITO] = Cognito(app[COGNITO_CLIENT], settings.cognito)
        lifetimes = settings.lifetimes
        app[SESSIONS] = Sessions(store, lifetimes.session_idle, lifetimes.session_absolute)
        cognito, existence = settings.cognito, settings.existence
        app[VERIFIER] = TokenVerifier(cognito.issuer, cognito.client_id, app[HTTP],
                                      timeout=cognito.read_timeout)
        app[FRESHNESS] = Freshness(sessions=app[SESSIONS], store=store, cognito=app[COGNITO],
                                   verifier=app[VERIFIER], margin=settings.relay.refresh_margin,
                                   **({"clock": wall_clock} if wall_clock else {}))
        if not existence.assume_prevented:
            log.warning(
                "the gateway cannot see whether the app client has PreventUserExistenceErrors "
                "enabled; with LEGACY, Cognito answers an unknown username faster than a wrong "
                "password. Enable it, then set GATEWAY_ASSUME_PREVENT_USER_EXISTENCE=true "
                "(failed sign-ins are answered after %d ms meanwhile)", existence.failure_floor_ms,
            )
        app[SIGN_IN] = SignIn(
            rules=Rules(
                cognito.auth_flow, cognito.pool_name, settings.limits.max_code_attempts,
                reveal_disabled=existence.reveal_disabled,
                failure_floor=existence.failure_floor_ms / 1000,
                remember_devices=settings.devices.remember,
                preferred_challenge=cognito.preferred_challenge,
            ),
            cognito=app[COGNITO],
            journeys=Journeys(store, lifetimes.flow_ttl),
            sessions=app[SESSIONS],
            # Counter names are keyed by the newest signing key (rotating it resets them).
            limits=Limits(store, settings.limits,
                          settings.cookies.secret_keys[-1].reveal().encode()),
            verifier=app[VERIFIER],
            executor=app[EXECUTOR],
            **({"clock": clock} if clock else {}),
        )
        yield

    return context


def create_app(
    settings: Settings,
    *,
    redis: aioredis.Redis | None = None,
    cognito_client: CognitoIdentityProviderClient | None = None,
    executor: Executor | None = None,
    clock: Callable[[], datetime] | None = None,
    wall_clock: Callable[[], float] | None = None,
    catalogs: Catalogs | None = None,
) -> web.Application:
    quiet_libraries()
    # Cross-site writes are refused on both faces, inside each face's error rendering and
    # before anything reads a cookie or a body; then the body is taken in whole (bodies.py).
    app = web.Application(
        middlewares=[request_context, preflights, error_pages, same_origin_writes,
                     whole_bodies, session_layer],
        client_max_size=MAX_BODY,
        # Never inflate a request body: aiohttp would do it on the event loop, as the bytes
        # arrive and while draining a refused body; whole_bodies refuses encoded ones (415).
        handler_args={"auto_decompress": False},
    )
    app[SETTINGS] = settings
    app[SIGNING] = Signing([key.reveal() for key in settings.cookies.secret_keys])
    app[CATALOGS] = catalogs or Catalogs()
    app[PAGES] = Pages(settings.branding, settings.cognito, settings.accounts.sign_up)
    app.cleanup_ctx.extend(
        [_redis(redis), _cognito(cognito_client), _http(), _executor(executor),
         _services(clock, wall_clock)]
    )
    app.on_response_prepare.extend([finish_headers, cors_headers, cache_control, server_name])
    app.add_routes(health.routes)
    app.add_subapp(api.PREFIX, api.api_app(guard=same_origin_writes, bodies=whole_bodies))
    for route in settings.routes:
        # The prefix without its last "/": "/api" serves "/api/...", and "/api" alone is the
        # sub-application's 404 (a prefix without its slash reaches no upstream).
        app.add_subapp(route.prefix.rstrip("/"), relay_app(route, guard=same_origin_writes))
    app.add_routes(hosted.page_routes(settings.home_path))
    if settings.accounts.sign_up:  # strangers may create accounts only when asked for
        app.add_routes(hosted.sign_up_routes())
    if settings.cognito.public_origin is not None:  # passkeys are in use: their page
        app.add_routes(passkeys.page_routes)
    app.add_routes(account.page_routes)  # /account, /account/password
    if settings.accounts.deletion:  # "Delete my account" only when the deployer offers it
        app.add_routes(account.delete_page_routes)
    app.add_routes([*account_devices.page_routes, *account_mfa.page_routes])  # their pages
    app.router.add_static("/static/", STATIC_DIR)
    return app
