"""The session layer against a real redis-server: sliding expiry in one round trip, the
absolute cap, saving a changed session, a lock that waits, and one session read per request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from gateway.errors import StepInProgress
from gateway.security.signing import Ticket
from gateway.session.sessions import KIND, Sessions, UserSession
from gateway.store import Store
from tests.demo import PASSWORD, PASSWORD_USER
from tests.gateway.drivers import API_HEADERS
from tests.servers import RedisServer


@pytest.fixture
async def store(redis_server: RedisServer) -> AsyncIterator[Store]:
    redis = aioredis.Redis.from_url(redis_server.url)
    yield Store(redis)
    await redis.aclose()


def session(created_at: float | None = None) -> UserSession:
    return UserSession(user={"sub": "s-1"}, access_token="a", id_token="i", refresh_token="r",
                       access_expires_at=time.time() + 3600,
                       created_at=created_at if created_at is not None else time.time())


async def ttl(store: Store, ticket: Ticket) -> int:
    return int(await store.redis.ttl(store.key(KIND, ticket.id)))


async def calls(store: Store, command: str) -> int:
    stats = await store.redis.info("commandstats")
    return int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))


async def test_reading_a_session_slides_its_idle_timeout_in_one_command(store: Store) -> None:
    sessions = Sessions(store, idle_timeout=600, absolute_timeout=3600)
    ticket = await sessions.create(session())
    await store.redis.expire(store.key(KIND, ticket.id), 100)  # as if idle for a while
    getex, expire = await calls(store, "getex"), await calls(store, "expire")
    assert await sessions.load(ticket) is not None
    assert await calls(store, "getex") == getex + 1
    assert await calls(store, "expire") == expire  # no second round trip
    assert 595 <= await ttl(store, ticket) <= 600


async def test_near_the_absolute_cap_the_record_lives_no_longer_than_the_cap(store: Store) -> None:
    sessions = Sessions(store, idle_timeout=600, absolute_timeout=3600)
    ticket = await sessions.create(session(created_at=time.time() - 3500))  # 100 s left
    assert await sessions.load(ticket) is not None
    assert 95 <= await ttl(store, ticket) <= 100


async def test_a_session_past_its_cap_is_gone(store: Store) -> None:
    sessions = Sessions(store, idle_timeout=600, absolute_timeout=3600)
    ticket = await sessions.create(session())
    stale = session(created_at=time.time() - 4000)
    await store.put(KIND, ticket, stale.to_record(), 60)
    assert await sessions.load(ticket) is None
    assert not await store.redis.exists(store.key(KIND, ticket.id))


async def test_without_a_refresh_token_the_record_never_outlives_the_access_token(
    store: Store,
) -> None:
    sessions = Sessions(store, idle_timeout=600, absolute_timeout=3600)
    expiring = session()
    expiring.refresh_token = None
    expiring.access_expires_at = time.time() + 100
    ticket = await sessions.create(expiring)
    assert 95 <= await ttl(store, ticket) <= 100
    assert await sessions.load(ticket) is not None
    assert 95 <= await ttl(store, ticket) <= 100  # the read slid it no further than that


async def test_with_a_refresh_token_the_record_outlives_its_access_token(store: Store) -> None:
    """The access token is refreshed before use (test_token_refresh.py), and that refresh asks
    Cognito whether the person may still be signed in: the record lives by its idle timeout."""
    sessions = Sessions(store, idle_timeout=600, absolute_timeout=3600)
    expiring = session()
    expiring.access_expires_at = time.time() + 100
    ticket = await sessions.create(expiring)
    assert 595 <= await ttl(store, ticket) <= 600
    expiring.access_expires_at = time.time() - 1
    await store.put(KIND, ticket, expiring.to_record(), 600)
    loaded = await sessions.load(ticket)
    assert loaded is not None and loaded.stale(time.time(), 0)


async def test_a_session_past_its_access_tokens_expiry_without_a_refresh_token_is_gone(
    store: Store,
) -> None:
    sessions = Sessions(store, idle_timeout=600, absolute_timeout=3600)
    ticket = await sessions.create(session())
    expired = session()
    expired.refresh_token = None
    expired.access_expires_at = time.time() - 1
    # A record still in Redis (written before the TTL took the token into account, say).
    await store.put(KIND, ticket, expired.to_record(), 600)
    assert await sessions.load(ticket) is None
    assert not await store.redis.exists(store.key(KIND, ticket.id))


async def test_save_never_brings_back_a_session_that_ended(store: Store) -> None:
    """A refresh that finishes after a sign-out must not write the session back."""
    sessions = Sessions(store, idle_timeout=600, absolute_timeout=3600)
    ticket = await sessions.create(session())
    await sessions.delete(ticket)
    assert await sessions.save(ticket, session()) is False
    assert not await store.redis.exists(store.key(KIND, ticket.id))


async def test_save_writes_new_tokens_under_the_same_ticket(store: Store) -> None:
    sessions = Sessions(store, idle_timeout=600, absolute_timeout=3600)
    original = session()
    ticket = await sessions.create(original)
    original.access_token = "refreshed"
    await sessions.save(ticket, original)
    loaded = await sessions.load(ticket)
    assert loaded is not None and loaded.access_token == "refreshed"
    assert loaded.created_at == original.created_at  # the absolute cap does not restart


async def test_a_step_lock_refuses_at_once_and_a_waiting_lock_waits(store: Store) -> None:
    ticket = Ticket.new()
    released = asyncio.Event()

    async def hold() -> None:
        async with store.lock("flow", ticket.id, 5_000):
            await released.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0.05)
    with pytest.raises(StepInProgress):
        async with store.lock("flow", ticket.id, 5_000):
            pass

    async def wait_for_it() -> float:
        started = time.perf_counter()
        async with store.lock("flow", ticket.id, 5_000, wait=3):
            return time.perf_counter() - started

    waiter = asyncio.create_task(wait_for_it())
    await asyncio.sleep(0.3)
    released.set()
    await holder
    waited = await waiter
    assert 0.25 <= waited < 3  # it waited for the holder, then took the lock


async def test_a_waiting_lock_gives_up_after_its_wait(store: Store) -> None:
    ticket = Ticket.new()
    async with store.lock("flow", ticket.id, 5_000):
        started = time.perf_counter()
        with pytest.raises(StepInProgress):
            async with store.lock("flow", ticket.id, 5_000, wait=0.3):
                pass
        # redis-py polls every 0.1 s and gives up rather than overshoot the wait.
        assert 0.15 <= time.perf_counter() - started < 2


async def test_a_request_reads_its_session_once(gateway: TestClient, store: Store) -> None:
    signed_in = await gateway.post("/auth/login", json={"username": PASSWORD_USER,
                                                        "password": PASSWORD},
                                   headers=API_HEADERS)
    assert (await signed_in.json())["status"] == "authenticated"
    before = await calls(store, "getex")
    page = await gateway.get("/", allow_redirects=False)
    assert page.status == 200
    assert await calls(store, "getex") == before + 1
    # Liveness never asks Redis for a session.
    await gateway.get("/healthz")
    assert await calls(store, "getex") == before + 1
