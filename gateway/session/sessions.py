"""Signed-in sessions: tokens kept server-side, sealed with a key only the cookie holds.

A session has a sliding idle timeout and an absolute cap, and it never outlives its access
token: nothing asks Cognito on every request, so the token's expiry is the latest moment a
person disabled, deleted or signed out everywhere at Cognito is still signed in here. (Until
tokens are refreshed, that expiry ends the session; a refresh will move it with new tokens.)
The Redis TTL is always the smallest of the three, so a record never outlives the promise even
if nobody reads it again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import jwt

from gateway.security.signing import Ticket
from gateway.signin.model import Tokens
from gateway.store import Store

KIND = "session"

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


def user_from_id_token(id_token: str) -> dict[str, Any]:
    """The person's public profile from the ID token.

    The signature is not checked here: the token came straight from Cognito over a TLS
    connection the gateway opened itself, which OpenID Connect Core 3.1.3.7 accepts in place
    of signature validation. The token is never accepted from a browser.
    """
    claims = jwt.decode(id_token, options={"verify_signature": False})
    return {public: claims[claim] for claim, public in _PUBLIC_CLAIMS.items() if claim in claims}


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

    @classmethod
    def from_tokens(cls, tokens: Tokens, device_key: str | None = None) -> UserSession:
        return cls(
            user=user_from_id_token(tokens.id_token),
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


class Sessions:
    def __init__(self, store: Store, idle_timeout: int, absolute_timeout: int) -> None:
        self._store = store
        self.idle_timeout = idle_timeout
        self.absolute_timeout = absolute_timeout

    def _ttl(self, session: UserSession, now: float) -> int:
        """Seconds the session may still live, rounded down: never past its end."""
        return int(min(self.idle_timeout, session.created_at + self.absolute_timeout - now,
                       session.access_expires_at - now))

    async def create(self, session: UserSession) -> Ticket:
        """Always a new id: the pre-login flow's id is never promoted (no session fixation).
        The id is also listed under the person, so signing out everywhere can find it."""
        ticket = Ticket.new()
        await self._store.put_indexed(
            KIND, ticket, session.to_record(), self._ttl(session, time.time()),
            index=_person(session), index_ttl=self.absolute_timeout,
        )
        return ticket

    async def end_all(self, session: UserSession) -> int:
        """End every session of the person this session belongs to, on every device."""
        return await self._store.delete_indexed(KIND, _person(session))

    async def save(self, ticket: Ticket, session: UserSession) -> None:
        """Write a changed session back (new tokens after a refresh) under the same ticket,
        within the same limits."""
        ttl = self._ttl(session, time.time())
        if ttl <= 0:
            await self._store.delete(KIND, ticket.id)
            return
        await self._store.put(KIND, ticket, session.to_record(), ttl)

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
            await self._store.delete(KIND, ticket.id)
            return None
        if ttl < self.idle_timeout:
            await self._store.expire(KIND, ticket.id, ttl)
        return session

    async def delete(self, ticket: Ticket) -> None:
        await self._store.delete(KIND, ticket.id)
