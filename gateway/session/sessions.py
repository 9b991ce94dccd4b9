"""Signed-in sessions: tokens kept server-side, sealed with a key only the cookie holds.

A session has a sliding idle timeout and an absolute cap. Nothing asks Cognito on every request,
so the access token's expiry is the latest moment a person disabled, deleted or signed out
everywhere at Cognito is still trusted here: before it, the token is refreshed
(:mod:`gateway.session.refresh`), which asks Cognito again, and a refused refresh ends the
session. A session without a refresh token ends with its access token. The Redis TTL is
always the smallest of the limits, so a record never outlives the promise even if nobody reads
it again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

import jwt

from gateway.security.client_context import RequestContext
from gateway.security.signing import Ticket
from gateway.session.about import About
from gateway.signin.model import Tokens
from gateway.store import Beside, Store

KIND = "session"
# The clear record beside each session (gateway.session.about): what the person's list shows.
ABOUT = "session-about"

# ID-token claims that describe the person and are safe to hand to the page.
_PUBLIC_CLAIMS = {
    "sub": "sub",
    "cognito:username": "username",
    "email": "email",
    "email_verified": "email_verified",
    "phone_number": "phone_number",
    "phone_number_verified": "phone_number_verified",
    "name": "name",
    "given_name": "given_name",
    "family_name": "family_name",
    "preferred_username": "preferred_username",
    "locale": "locale",
    "auth_time": "auth_time",
}


def user_from_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The person's public profile: the ID token's claims a page may see, and their groups
    (``cognito:groups``; an empty list for none), which decide the relay routes they reach."""
    user = {public: claims[claim] for claim, public in _PUBLIC_CLAIMS.items() if claim in claims}
    groups = claims.get("cognito:groups")
    user["groups"] = [str(g) for g in groups] if isinstance(groups, list) else []
    return user


def user_from_id_token(id_token: str) -> dict[str, Any]:
    """The same, from an ID token read without checking it (one the gateway verified already,
    against the pool's keys: :mod:`gateway.cognito.jwks`). Never a token from a browser."""
    return user_from_claims(jwt.decode(id_token, options={"verify_signature": False}))


@dataclass(slots=True)
class UserSession:
    user: dict[str, Any]
    access_token: str
    id_token: str
    refresh_token: str | None
    access_expires_at: float
    created_at: float = field(default_factory=time.time)
    # The remembered device this session signed in with: REFRESH_TOKEN_AUTH sends it.
    device_key: str | None = None

    def __repr__(self) -> str:
        return f"UserSession(sub={self.user.get('sub')!r})"

    @property
    def internal_username(self) -> str:
        """The name Cognito knows the person by: what REFRESH_TOKEN_AUTH's SECRET_HASH is over."""
        return str(self.user.get("username") or self.user.get("sub") or "")

    def stale(self, now: float, margin: float) -> bool:
        """Whether the access token expires within ``margin`` seconds (or has)."""
        return self.access_expires_at - now <= margin

    def refreshed(self, tokens: Tokens, user: dict[str, Any], now: float) -> UserSession:
        """The same session with new tokens (and the refresh token Cognito rotated to, if it
        did); its start and its device stay."""
        return UserSession(
            user=user, access_token=tokens.access_token, id_token=tokens.id_token,
            refresh_token=tokens.refresh_token or self.refresh_token,
            access_expires_at=now + tokens.expires_in, created_at=self.created_at,
            device_key=self.device_key,
        )

    @classmethod
    def from_tokens(cls, tokens: Tokens, device_key: str | None = None,
                    user: dict[str, Any] | None = None) -> UserSession:
        return cls(
            user=user if user is not None else user_from_id_token(tokens.id_token),
            access_token=tokens.access_token,
            id_token=tokens.id_token,
            refresh_token=tokens.refresh_token,
            access_expires_at=time.time() + tokens.expires_in,
            device_key=device_key,
        )

    def to_record(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "access_token": self.access_token,
            "id_token": self.id_token,
            "refresh_token": self.refresh_token,
            "access_expires_at": self.access_expires_at,
            "created_at": self.created_at,
            "device_key": self.device_key,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> UserSession:
        return cls(
            user=dict(record["user"]),
            access_token=record["access_token"],
            id_token=record["id_token"],
            refresh_token=record.get("refresh_token"),
            access_expires_at=float(record["access_expires_at"]),
            created_at=float(record["created_at"]),
            device_key=record.get("device_key"),
        )


def _person(session: UserSession) -> str:
    return f"sessions-of:{session.user.get('sub', '')}"


def public_id_key(signing_key: bytes) -> bytes:
    """The key public session ids are made with, from the newest signing key."""
    return hashlib.sha256(b"gateway public session ids\0" + signing_key).digest()


def public_id(key: bytes, session_id: str) -> str:
    """The id a person's list shows for a session: an HMAC of its Redis id (22 url-safe
    characters). The Redis id never leaves the gateway; this one names the session only to
    someone who can list the person's sessions, and opens nothing."""
    digest = hmac.new(key, session_id.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class Listing:
    """One session of a person, as their list shows it (nothing of it opened)."""

    id: str  # the Redis id: never shown (see :func:`public_id`)
    about: About | None  # None for a session older than this record
    last_seen_at: float


class Sessions:
    def __init__(self, store: Store, idle_timeout: int, absolute_timeout: int) -> None:
        self._store = store
        self.idle_timeout = idle_timeout
        self.absolute_timeout = absolute_timeout

    def _ttl(self, session: UserSession, now: float) -> int:
        """Seconds the session may still live, rounded down: never past its end. Without a
        refresh token that end is the access token's expiry; with one, the session outlives
        its access token, which is refreshed (and so checked with Cognito) before any use."""
        ends = [self.idle_timeout, session.created_at + self.absolute_timeout - now]
        if session.refresh_token is None:
            ends.append(session.access_expires_at - now)
        return int(min(ends))

    def _latest(self, session: UserSession, now: float) -> int:
        """Seconds until the session's end at the latest (its cap, or its access token's
        expiry without a refresh token), however often it is used."""
        ends = [session.created_at + self.absolute_timeout - now]
        if session.refresh_token is None:
            ends.append(session.access_expires_at - now)
        return int(min(ends))

    async def create(self, session: UserSession, context: RequestContext | None = None) -> Ticket:
        """Always a new id: the pre-login flow's id is never promoted (no session fixation).
        The id is also listed under the person, so signing out everywhere can find it, and
        beside it, in the same transaction, goes the clear record the person's list of
        sessions shows (:mod:`gateway.session.about`). That record lives until the session's
        latest end: reading a session slides only the session's own TTL (one GETEX), and
        the list ignores a record whose session has gone."""
        ticket, now = Ticket.new(), time.time()
        about = About.of(session.created_at, context.user_agent if context else None,
                         context.ip if context else None)
        await self._store.put_indexed(
            KIND, ticket, session.to_record(), self._ttl(session, now),
            index=_person(session), index_ttl=self.absolute_timeout,
            beside=Beside(ABOUT, about.to_record(), self._latest(session, now)),
        )
        return ticket

    async def end_all(self, session: UserSession) -> int:
        """End every session of the person this session belongs to, on every device."""
        return await self._store.delete_indexed(KIND, _person(session), also=(ABOUT,))

    async def end_others(self, ticket: Ticket, session: UserSession) -> int:
        """End every other session of the person; this one (``ticket``) stays. How many."""
        return await self._store.delete_indexed(KIND, _person(session), also=(ABOUT,),
                                                keep=ticket.id)

    async def end(self, session: UserSession, session_id: str) -> None:
        """End one session of the person ``session`` belongs to, by its Redis id."""
        await self._store.delete_listed(KIND, session_id, _person(session), also=(ABOUT,))

    async def of_person(self, session: UserSession) -> list[Listing]:
        """Every live session of the person, newest first, opening none of them. Last seen
        is worked out from the session's remaining TTL, which every read sets back to the
        idle timeout: now - (idle timeout - TTL). In a session's last idle window its TTL was
        cut to its end instead, and then this says the window's start, the earliest it can be.
        """
        now, found = time.time(), []
        for item in await self._store.listed(KIND, _person(session), ABOUT):
            about = About.from_record(item.beside)
            seen = now - (self.idle_timeout - item.ttl)
            if about is not None:
                seen = max(seen, about.started_at)
            found.append(Listing(item.id, about, min(seen, now)))
        found.sort(key=lambda listing: listing.about.started_at if listing.about else 0,
                   reverse=True)
        return found

    async def save(self, ticket: Ticket, session: UserSession) -> bool:
        """Write a changed session back (new tokens after a refresh) under the same ticket,
        within the same limits, only if it still exists: a sign-out while Cognito was being
        asked must not bring the session back. False when it was gone."""
        ttl = self._ttl(session, time.time())
        if ttl <= 0:
            await self.delete(ticket)
            return False
        return await self._store.put(KIND, ticket, session.to_record(), ttl, only_if_present=True)

    def ends(self, session: UserSession, now: float) -> tuple[float, float]:
        """When the session ends if left alone (its idle timeout, from now), and at the latest
        (its absolute cap)."""
        cap = session.created_at + self.absolute_timeout
        return min(now + self.idle_timeout, cap), cap

    async def load(self, ticket: Ticket | None) -> UserSession | None:
        """The session, with its idle timeout extended; None when absent or past a limit (the
        absolute cap, or its access token's expiry), and then the record is deleted.

        The read itself slides the idle timeout (GETEX, one round trip); only within the last
        idle window before the session's end (the cap or the token's expiry) does a second call
        shorten it to that end.
        """
        if ticket is None:
            return None
        record = await self._store.get(KIND, ticket, expire=self.idle_timeout)
        if record is None:
            return None
        try:
            session = UserSession.from_record(record)
        except (KeyError, ValueError, TypeError):
            return None
        ttl = self._ttl(session, time.time())
        if ttl <= 0:
            await self.delete(ticket)
            return None
        if ttl < self.idle_timeout:
            await self._store.expire(KIND, ticket.id, ttl)
        return session

    async def delete(self, ticket: Ticket) -> None:
        """Delete the session and the clear record beside it (its id may stay in the
        person's index: the list drops ids whose session is gone)."""
        await self._store.delete(KIND, ticket.id, also=(ABOUT,))

    async def exists(self, ticket: Ticket) -> bool:
        """Whether the session is still there (an open WebSocket asks every few seconds);
        unlike :meth:`load`, this neither reads it nor extends its idle timeout."""
        return await self._store.exists(KIND, ticket.id)
