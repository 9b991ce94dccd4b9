"""Keeping a session's tokens fresh: refreshed shortly before the access token expires, at most
once per session however many calls arrive at once, on however many gateway instances.

Single flight, in two layers: within one process, concurrent calls for one session share one
refresh (an asyncio task); across instances, the refresh holds the session's Redis lock
(redis-py's Lock) and re-reads the session once it has it, so an instance that waited finds the
tokens another one just stored and refreshes nothing. That matters most for an app client that
rotates refresh tokens: two refreshes racing with one refresh token would spend it twice.

Cognito refusing the refresh token (revoked at sign-out, expired, the person disabled or signed
out everywhere) ends the session: :class:`~gateway.errors.SessionExpired`. Cognito unreachable or
throttling does not: the call fails (502/503/504) and the session stays for the next one. New
tokens are checked against the pool's keys (:class:`~gateway.cognito.jwks.TokenVerifier`) and
written only over a session that still exists, so a sign-out during a refresh stays a sign-out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from gateway import errors
from gateway.cognito.jwks import TokenVerifier
from gateway.cognito.port import CognitoPort
from gateway.security.signing import Ticket
from gateway.session.sessions import Sessions, UserSession, user_from_claims
from gateway.store import Store

log = logging.getLogger("gateway.session")

LOCK_KIND = "refresh"
# Longer than a refresh takes (Cognito's read timeout plus the JWKS), so the lock outlives it;
# a holder that died frees it after this long.
LOCK_TTL_MS = 15_000
LOCK_WAIT = 12.0  # seconds a call waits for another instance's refresh


class Freshness:
    def __init__(
        self,
        *,
        sessions: Sessions,
        store: Store,
        cognito: CognitoPort,
        verifier: TokenVerifier,
        margin: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._cognito = cognito
        self._verifier = verifier
        self.margin = margin
        self._clock = clock
        self._in_flight: dict[str, asyncio.Task[UserSession]] = {}

    def stale(self, session: UserSession) -> bool:
        return session.stale(self._clock(), self.margin)

    async def fresh(self, ticket: Ticket, session: UserSession, *,
                    force: bool = False) -> UserSession:
        """``session`` with an access token good for at least the margin; ``force``: a new one
        whatever the expiry says (an upstream refused the token the gateway believed good)."""
        if not force and not self.stale(session):
            return session
        if session.refresh_token is None:
            if session.access_expires_at <= self._clock():
                await self._sessions.delete(ticket)
                raise errors.SessionExpired("access token expired, no refresh token")
            return session
        running = self._in_flight.get(ticket.id)
        if running is None:
            running = asyncio.ensure_future(self._refresh(ticket, session.access_token, force))
            self._in_flight[ticket.id] = running
            running.add_done_callback(lambda done: self._finished(ticket.id, done))
        # Shielded: a caller that gives up (its client left) does not cancel the refresh the
        # others are waiting for.
        return await asyncio.shield(running)

    def _finished(self, ticket_id: str, done: asyncio.Task[UserSession]) -> None:
        self._in_flight.pop(ticket_id, None)
        if not done.cancelled():
            done.exception()  # retrieved: every waiter may have left before it ended

    async def _refresh(self, ticket: Ticket, seen_token: str, force: bool) -> UserSession:
        try:
            return await self._refresh_locked(ticket, seen_token, force)
        except errors.StepInProgress:
            # Another instance held the refresh longer than a call can wait.
            raise errors.ServiceBusy("a token refresh is taking long", retry_after=1) from None

    async def _refresh_locked(self, ticket: Ticket, seen_token: str, force: bool) -> UserSession:
        async with self._store.lock(LOCK_KIND, ticket.id, LOCK_TTL_MS, wait=LOCK_WAIT):
            current = await self._sessions.load(ticket)
            if current is None:
                raise errors.SessionExpired("session ended during the refresh")
            if current.access_token != seen_token or (not force and not self.stale(current)):
                return current  # refreshed meanwhile, here or on another instance
            assert current.refresh_token is not None
            try:
                tokens = await self._cognito.refresh(
                    current.refresh_token, current.internal_username, current.device_key)
            except errors.SessionExpired:
                await self._sessions.delete(ticket)
                log.info("refresh refused: session ended", extra={"sub": current.user.get("sub")})
                raise
            claims = await self._verifier.verify(tokens)
            renewed = current.refreshed(tokens, user_from_claims(claims), self._clock())
            if not await self._sessions.save(ticket, renewed):
                raise errors.SessionExpired("signed out during the refresh")
            log.info("tokens refreshed", extra={"sub": current.user.get("sub"),
                                                "rotated": bool(tokens.refresh_token
                                                                and tokens.refresh_token
                                                                != current.refresh_token)})
            return renewed
