"""Cognito's tokens checked against the pool's published keys (JWKS) before the gateway keeps
them: at sign-in and at every refresh.

pyjwt does the checking: the RS256 signature, the issuer (the pool), the audience (the ID
token's ``aud``, the access token's ``client_id``: this app client), ``token_use`` and expiry.
Not ``iat``: a token minted a moment "in the future" by a Cognito whose clock runs ahead (the
emulator's, moved forward by a test) is no less genuine. The key set is fetched once and again
when a token names a key id it does not hold (Cognito rotating its keys), at most once a minute,
so a stream of tokens with made-up key ids cannot make the gateway hammer the JWKS endpoint.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import jwt

from gateway import errors
from gateway.signin.model import Tokens

log = logging.getLogger("gateway.cognito")

REFETCH_INTERVAL = 60.0  # seconds between two fetches of the key set, at least
LEEWAY = 60  # seconds of clock difference allowed on ``exp``


class TokenVerifier:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        http: aiohttp.ClientSession,
        *,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 5.0,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.jwks_url = f"{self.issuer}/.well-known/jwks.json"
        self._client_id = client_id
        self._http = http
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._fetching = asyncio.Lock()

    async def verify(self, tokens: Tokens) -> dict[str, Any]:
        """The ID token's claims, once both tokens check out; a token that does not is an
        unusable Cognito reply (:class:`~gateway.errors.UpstreamProtocolError`, 502)."""
        self._check(tokens.access_token, "access", await self._key_for(tokens.access_token))
        return self._check(tokens.id_token, "id", await self._key_for(tokens.id_token))

    def _check(self, token: str, use: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=["RS256"], issuer=self.issuer,
                audience=self._client_id if use == "id" else None, leeway=LEEWAY,
                options={"verify_iat": False, "verify_aud": use == "id",
                         "require": ["exp", "iss", "token_use"]},
            )
        except jwt.PyJWTError as error:
            raise errors.UpstreamProtocolError(f"Cognito's {use} token does not verify: "
                                               f"{type(error).__name__}") from None
        if claims.get("token_use") != use:
            raise errors.UpstreamProtocolError(f"a {claims.get('token_use')!r} token as {use}")
        if use == "access" and claims.get("client_id") != self._client_id:
            raise errors.UpstreamProtocolError("an access token of another app client")
        return claims

    async def _key_for(self, token: str) -> jwt.PyJWK:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise errors.UpstreamProtocolError("a token that is not a JWT") from None
        if not isinstance(kid, str):
            raise errors.UpstreamProtocolError("a token without a key id")
        if kid not in self._keys:
            await self._refetch()
        key = self._keys.get(kid)
        if key is None:
            raise errors.UpstreamProtocolError("a token signed by a key the pool does not list")
        return key

    async def _refetch(self) -> None:
        async with self._fetching:  # concurrent sign-ins wait for one fetch
            now = self._clock()
            if self._fetched_at is not None and now - self._fetched_at < REFETCH_INTERVAL:
                return
            self._fetched_at = now
            try:
                async with self._http.get(self.jwks_url, timeout=self._timeout) as reply:
                    reply.raise_for_status()
                    document = await reply.json(content_type=None)
                keys = jwt.PyJWKSet.from_dict(document).keys
            except (aiohttp.ClientError, TimeoutError, ValueError, jwt.PyJWTError) as error:
                self._fetched_at = None  # nothing learned: the next token may try again
                log.warning("could not fetch the pool's JWKS",
                            extra={"url": self.jwks_url, "error": type(error).__name__})
                raise errors.UpstreamUnavailable("the pool's JWKS could not be fetched") from None
            self._keys = {key.key_id: key for key in keys if key.key_id}
