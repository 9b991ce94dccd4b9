"""Redis, as the rest of the gateway sees it: sealed records, step locks and counters.

Every Redis failure (refused, timed out, failed over) becomes :class:`StoreUnavailable`, which
the renderers turn into a 503 with Retry-After. Nothing ever falls through to an anonymous
request because Redis could not be asked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff
from redis.exceptions import LockError, RedisError

from gateway.config import RedisSettings, sentinel_target
from gateway.errors import StepInProgress, StoreUnavailable
from gateway.security.sealing import Unsealable, seal, unseal
from gateway.security.signing import Ticket

log = logging.getLogger("gateway.store")
T = TypeVar("T")

RETRY_AFTER = 5
_PREFIX = "gw:"

# Take one from every budget, or from none: refuse when any counter (KEYS) is at its limit
# (ARGV[1..n]), otherwise count one in each, a new counter living for its window
# (ARGV[n+1..2n]). The check and the count are one step, so no burst of concurrent requests can
# get past a limit. Answers {0, 0}, or {index of the full counter, its remaining seconds}.
_RESERVE = """
local n = #KEYS
for i = 1, n do
  if tonumber(redis.call('get', KEYS[i]) or '0') >= tonumber(ARGV[i]) then
    return {i, redis.call('ttl', KEYS[i])}
  end
end
for i = 1, n do
  if redis.call('incr', KEYS[i]) == 1 then redis.call('expire', KEYS[i], ARGV[n + i]) end
end
return {0, 0}
"""

# Give one back to each counter that still holds it (a counter may have expired meanwhile).
_GIVE_BACK = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('get', key) or '0') > 0 then redis.call('decr', key) end
end
return 1
"""


class _SentinelMaster(aioredis.Redis):
    """The master a set of sentinels names; closing it also closes the sentinel connections."""

    watchers: Sentinel | None = None

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        if self.watchers is not None:
            await self.watchers.aclose()


def connect(settings: RedisSettings) -> aioredis.Redis:
    url = settings.url.reveal()
    options: dict[str, Any] = {
        "socket_timeout": settings.timeout,
        "socket_connect_timeout": settings.timeout,
        # One quick reconnect covers a dropped idle connection; anything longer is an outage
        # that should surface as a 503 within the timeout, not a hang.
        "retry": Retry(NoBackoff(), 1),
        "health_check_interval": 30,
        "max_connections": 256,
    }
    target = sentinel_target(url)
    if target is None:
        return aioredis.Redis.from_url(url, **options)
    # Every new connection asks the sentinels for the current master, so after a failover
    # the gateway follows the promoted replica; until then commands fail fast (503).
    # redis-py leaves Sentinel's constructor unannotated.
    sentinel = Sentinel(list(target.sentinels), sentinel_kwargs={  # type: ignore[no-untyped-call]
        "socket_timeout": settings.timeout,
        "socket_connect_timeout": settings.timeout,
    })
    master = sentinel.master_for(
        target.service, redis_class=_SentinelMaster, db=target.db,
        username=target.username, password=target.password, **options,
    )
    master.watchers = sentinel
    return cast(aioredis.Redis, master)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True, slots=True)
class Beside:
    """A clear record written with a sealed one, under the same id: nothing secret in it."""

    kind: str
    record: dict[str, Any]
    ttl: int


@dataclass(frozen=True, slots=True)
class Listed:
    """A record listed in an index, unopened: its id, seconds left, and its clear record."""

    id: str
    ttl: float
    beside: Any


@dataclass(frozen=True, slots=True)
class Budget:
    """A counter that may reach ``limit`` within ``window`` seconds of its first count."""

    key: str
    limit: int
    window: int


class Store:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    async def _guard(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except RedisError as error:
            log.warning("redis unavailable: %s", type(error).__name__)
            raise StoreUnavailable("redis unavailable", retry_after=RETRY_AFTER) from None

    @staticmethod
    def key(kind: str, name: str) -> str:
        return f"{_PREFIX}{kind}:{name}"

    # --- sealed records ---------------------------------------------------------------------

    async def put(self, kind: str, ticket: Ticket, record: dict[str, Any], ttl: int, *,
                  only_if_present: bool = False) -> bool:
        """Store a sealed record; with ``only_if_present``, only over one that exists (SET XX).
        True when written."""
        name = self.key(kind, ticket.id)
        blob = seal(ticket.key, name, record)
        written = await self._guard(
            lambda: self.redis.set(name, blob, ex=max(1, ttl), xx=only_if_present))
        return bool(written)

    async def put_indexed(
        self, kind: str, ticket: Ticket, record: dict[str, Any], ttl: int, index: str,
        index_ttl: int, beside: Beside | None = None,
    ) -> None:
        """Store a record and list its id under ``index`` (e.g. every session of one person),
        in one round trip. The index holds ids only, never keys, so it opens nothing.
        ``beside`` is a clear record under the same id (another kind), written in the same
        transaction: it must hold nothing secret."""
        name, members = self.key(kind, ticket.id), self.key("index", index)
        blob = seal(ticket.key, name, record)

        async def write() -> None:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(name, blob, ex=max(1, ttl))
                if beside is not None:
                    pipe.set(self.key(beside.kind, ticket.id), json.dumps(beside.record),
                             ex=max(1, beside.ttl))
                pipe.sadd(members, ticket.id)
                pipe.expire(members, max(1, index_ttl))
                await pipe.execute()

        await self._guard(write)

    async def delete_indexed(
        self, kind: str, index: str, *, also: Sequence[str] = (), keep: str | None = None
    ) -> int:
        """Delete every record listed under ``index`` (and the records of the kinds ``also``
        under the same ids), and the index; how many there were. With ``keep``, that id
        stays, listed, and so does the index."""
        members = self.key("index", index)

        async def delete() -> int:
            ended = [i for i in map(_text, await self.redis.smembers(members)) if i != keep]
            names = [self.key(k, i) for i in ended for k in (kind, *also)]
            if keep is None:
                await self.redis.delete(members, *names)
            elif ended:
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.delete(*names)
                    pipe.srem(members, *ended)
                    await pipe.execute()
            return len(ended)

        return await self._guard(delete)

    async def delete_listed(
        self, kind: str, ticket_id: str, index: str, *, also: Sequence[str] = ()
    ) -> None:
        """Delete one record listed under ``index`` (with its ``also`` records), and its id
        from the index, in one transaction."""
        async def delete() -> None:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.delete(*(self.key(k, ticket_id) for k in (kind, *also)))
                pipe.srem(self.key("index", index), ticket_id)
                await pipe.execute()

        await self._guard(delete)

    async def listed(self, kind: str, index: str, beside: str) -> list[Listed]:
        """Every record listed under ``index`` that still exists, each with its remaining
        lifetime and its clear ``beside`` record (None when it has none); opens nothing and
        extends nothing. Ids whose record is gone (timed out) leave the index."""
        members = self.key("index", index)

        async def read() -> list[Listed]:
            ids = sorted(map(_text, await self.redis.smembers(members)))
            if not ids:
                return []
            async with self.redis.pipeline(transaction=False) as pipe:
                for i in ids:
                    pipe.pttl(self.key(kind, i))
                    pipe.get(self.key(beside, i))
                replies = await pipe.execute()
            found, gone = [], []
            for n, i in enumerate(ids):
                ttl_ms, blob = replies[2 * n], replies[2 * n + 1]
                if int(ttl_ms) < 0:  # -2: gone (-1, no expiry, never happens)
                    gone.append(i)
                    continue
                try:
                    record = json.loads(blob) if isinstance(blob, bytes) else None
                except ValueError:
                    record = None
                found.append(Listed(i, int(ttl_ms) / 1000, record))
            if gone:
                await self.redis.srem(members, *gone)
                await self.redis.delete(*(self.key(beside, i) for i in gone))
            return found

        return await self._guard(read)

    async def get(
        self, kind: str, ticket: Ticket, *, expire: int | None = None
    ) -> dict[str, Any] | None:
        """The record, opened with the ticket's key. With ``expire``, its lifetime is set to
        that many seconds in the same round trip (GETEX): a sliding timeout costs nothing."""
        name = self.key(kind, ticket.id)
        if expire is None:
            blob = await self._guard(lambda: self.redis.get(name))
        else:
            blob = await self._guard(lambda: self.redis.getex(name, ex=max(1, expire)))
        if not isinstance(blob, bytes):
            return None
        try:
            return unseal(ticket.key, name, blob)
        except Unsealable:
            log.warning("a %s record did not open with its ticket; ignoring it", kind)
            return None

    async def delete(self, kind: str, ticket_id: str, *, also: Sequence[str] = ()) -> None:
        """Delete a record, and the records of the kinds ``also`` under the same id."""
        names = [self.key(k, ticket_id) for k in (kind, *also)]
        await self._guard(lambda: self.redis.delete(*names))

    async def exists(self, kind: str, ticket_id: str) -> bool:
        return bool(await self._guard(lambda: self.redis.exists(self.key(kind, ticket_id))))

    async def expire(self, kind: str, ticket_id: str, ttl: int) -> None:
        await self._guard(lambda: self.redis.expire(self.key(kind, ticket_id), max(1, ttl)))

    # --- one step at a time -----------------------------------------------------------------

    @asynccontextmanager
    async def lock(
        self, kind: str, ticket_id: str, ttl_ms: int, *, wait: float = 0
    ) -> AsyncIterator[None]:
        """Hold the lock of a record for at most ``ttl_ms``. With ``wait`` 0 (one step at a
        time) a lock already held raises :class:`StepInProgress` at once; with ``wait`` > 0
        (a token refresh others must wait for) it is waited for that many seconds first.

        redis-py's :class:`~redis.asyncio.lock.Lock`: a random token per holder, released only
        by its holder, so a step that outlived its lock cannot free a lock taken since.
        """
        lock = self.redis.lock(
            self.key(f"{kind}-lock", ticket_id), timeout=ttl_ms / 1000,
            blocking=wait > 0, blocking_timeout=wait or None,
        )
        taken = await self._guard(lock.acquire)
        if not taken:
            raise StepInProgress("another request is answering this step")
        try:
            yield
        finally:
            try:
                await lock.release()
            except (LockError, RedisError):
                log.warning("could not release a lock; it expires by itself")

    # --- counters ---------------------------------------------------------------------------

    async def reserve(self, budgets: Sequence[Budget]) -> tuple[Budget, int] | None:
        """Count one in every budget, atomically, unless one is already at its limit: then
        nothing is counted and that budget comes back with the seconds until it resets."""
        keys = [_PREFIX + budget.key for budget in budgets]
        args = [str(b.limit) for b in budgets] + [str(b.window) for b in budgets]
        full, ttl = await self._guard(
            lambda: self.redis.eval(_RESERVE, len(keys), *keys, *args)
        )
        return (budgets[int(full) - 1], int(ttl)) if full else None

    async def give_back(self, keys: Sequence[str]) -> None:
        """Return one to each counter: what was reserved for an attempt that did not fail."""
        if keys:
            names = [_PREFIX + key for key in keys]
            await self._guard(lambda: self.redis.eval(_GIVE_BACK, len(names), *names))

    async def ttl(self, key: str) -> int:
        return int(await self._guard(lambda: self.redis.ttl(_PREFIX + key)))

    async def ping(self) -> bool:
        return bool(await self._guard(lambda: self.redis.ping()))
