"""The user pool's signing keys, fetched with aiohttp and cached.

``jwt.PyJWKClient`` would block the event loop on urllib, so the JWKS is fetched here instead.
Keys are cached for the life of the process; a token naming a kid we have never seen triggers a
re-fetch (the pool may have rotated keys), but at most once per ``refetch_interval`` so that a
stream of forged kids cannot turn every request into a JWKS download.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import jwt
from jwt.algorithms import RSAAlgorithm

REFETCH_INTERVAL_SECONDS = 60.0


class JwksUnavailableError(Exception):
    """The JWKS could not be fetched or read: the upstream cannot judge any token."""


class JwksCache:
    """Public keys by kid, from one JWKS URL."""

    def __init__(self, url: str, *, refetch_interval: float = REFETCH_INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.refetch_interval = refetch_interval
        self.fetches = 0  # how many times the JWKS was downloaded; tests read it
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._last_fetch: float | None = None
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def key(self, kid: str) -> Any | None:
        """The public key for ``kid``, or None if the pool does not have it (even after the one
        re-fetch allowed per interval)."""
        found = self._keys.get(kid)
        if found is not None:
            return found
        async with self._lock:
            found = self._keys.get(kid)  # another request may have fetched while we waited
            if found is None and self._may_fetch():
                await self._fetch()
                found = self._keys.get(kid)
        return found

    def _may_fetch(self) -> bool:
        if self._last_fetch is None:
            return True
        return self._clock() - self._last_fetch >= self.refetch_interval

    async def _fetch(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        try:
            async with self._session.get(self.url) as reply:
                reply.raise_for_status()
                document = await reply.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            # Not counted as a fetch: the next request may try again straight away.
            raise JwksUnavailableError(f"cannot fetch JWKS from {self.url}: {error}") from error
        self._last_fetch = self._clock()
        self.fetches += 1
        self._keys = _parse(document)


def _parse(document: Any) -> dict[str, Any]:
    """The RSA signing keys of a JWKS document; anything else in it is ignored."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksUnavailableError("JWKS document has no 'keys' list")
    keys: dict[str, Any] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not isinstance(
                jwk.get("kid"), str) or jwk.get("use", "sig") != "sig":
            continue
        try:
            keys[jwk["kid"]] = RSAAlgorithm.from_jwk(jwk)
        except jwt.InvalidKeyError:
            continue
    return keys
