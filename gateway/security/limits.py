"""Abuse limits in Redis: failures per client IP and per username, and sign-in starts per
second across the whole gateway (Cognito's request quota is per AWS account, so one noisy
client must not spend everybody's share).

Counting failures rather than attempts means a person who signs in correctly is never slowed
down; a credential-stuffing run from rotating IPs still hits the per-username limit, and one IP
trying many usernames hits the per-IP limit.
"""

from __future__ import annotations

import hashlib
import time
from typing import NoReturn

from gateway.config import LimitSettings
from gateway.errors import RateLimited, SignInRateReached
from gateway.store import Store


def _user_key(username: str) -> str:
    # Hashed: Redis keys show up in monitoring tools, usernames should not.
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"rl:user:{digest}"


def _refuse(key: str, ttl: int) -> NoReturn:
    raise RateLimited(f"failure limit reached ({key.split(':')[1]})", retry_after=max(1, ttl))


class Limits:
    def __init__(self, store: Store, settings: LimitSettings) -> None:
        self._store = store
        self._settings = settings

    def _windows(self, ip: str | None, username: str) -> list[tuple[str, int, int]]:
        s = self._settings
        windows = [(_user_key(username), s.user_failure_limit, s.user_failure_window)]
        if ip:
            windows.append((f"rl:ip:{ip}", s.ip_failure_limit, s.ip_failure_window))
        return windows

    async def check(self, ip: str | None, username: str) -> None:
        """Refuse before calling Cognito when this IP or username has failed too often."""
        windows = self._windows(ip, username)
        counts = await self._store.counts([key for key, _, _ in windows])
        for (key, limit, _), count in zip(windows, counts, strict=True):
            if count >= limit:
                _refuse(key, await self._store.ttl(key))

    async def start(self, ip: str | None, username: str) -> None:
        """Check the failure limits, then take one slot of the gateway-wide start rate (one
        Redis round trip for both: this runs on every sign-in)."""
        windows = [(key, limit) for key, limit, _ in self._windows(ip, username)]
        second = f"rl:all:{int(time.time())}"
        gate = await self._store.count_unless_full(windows, (second, 2))
        if gate.full is not None:
            _refuse(gate.full, gate.retry_after)
        if gate.count > self._settings.global_start_limit:
            raise SignInRateReached("gateway-wide sign-in rate reached", retry_after=1)

    async def failed(self, ip: str | None, username: str) -> None:
        await self._store.count([(key, window) for key, _, window in self._windows(ip, username)])
