"""Journeys in progress: a person on their way through a multi-step flow with Cognito, kept
server-side and sealed.

A journey has a kind (``sign_in`` today; sign-up and password recovery reuse the same record,
lock and cookie next), the challenge it waits on, its handler's state (on the challenge), and a
count of wrong answers. It lives from the first answer Cognito gives (or a restart notice)
until the journey completes or fails for good. It holds the Cognito Session and the internal
username, which the browser never sees; the browser holds only the signed ticket that names
and unlocks it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from gateway.security.signing import Ticket
from gateway.signin.model import Challenge
from gateway.store import Store

KIND = "flow"
SIGN_IN = "sign_in"
# Long enough for one Cognito round trip with its timeouts; short enough that a crashed
# request does not keep the person locked out of their own flow.
_STEP_LOCK_MS = 15_000


@dataclass(slots=True)
class Journey:
    username: str  # as the person typed it, to fill the form again
    return_to: str
    kind: str = SIGN_IN
    started_at: float = field(default_factory=time.time)
    challenge: Challenge | None = None  # the step waiting for the person; None: at the start
    failures: int = 0  # wrong answers in this journey
    # An error code to show: why the person is back at the start, or, while a challenge
    # waits, the wrong code just given (its page says so until the next answer).
    notice: str | None = None

    def __repr__(self) -> str:
        return f"Journey({self.kind}, challenge={self.challenge!r}, failures={self.failures})"

    def restarted(self, notice: str) -> Journey:
        """The same journey back at its start, keeping the username and saying why."""
        return Journey(self.username, self.return_to, self.kind, self.started_at, notice=notice)

    def to_record(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "username": self.username,
            "return_to": self.return_to,
            "started_at": self.started_at,
            "challenge": self.challenge.to_record() if self.challenge else None,
            "failures": self.failures,
            "notice": self.notice,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Journey:
        challenge = record.get("challenge")
        return cls(
            username=record["username"],
            return_to=record["return_to"],
            kind=str(record.get("kind", SIGN_IN)),
            started_at=float(record["started_at"]),
            challenge=Challenge.from_record(challenge) if challenge else None,
            failures=int(record.get("failures", 0)),
            notice=record.get("notice"),
        )


class Journeys:
    def __init__(self, store: Store, ttl: int) -> None:
        self._store = store
        self.ttl = ttl

    async def save(self, ticket: Ticket, journey: Journey) -> None:
        # The lifetime runs from the start of the journey; answering a step does not extend it.
        remaining = int(journey.started_at + self.ttl - time.time())
        await self._store.put(KIND, ticket, journey.to_record(), remaining)

    async def load(self, ticket: Ticket | None) -> Journey | None:
        if ticket is None:
            return None
        record = await self._store.get(KIND, ticket)
        try:
            return Journey.from_record(record) if record else None
        except (KeyError, ValueError, TypeError):
            return None

    async def delete(self, ticket: Ticket) -> None:
        await self._store.delete(KIND, ticket.id)

    @asynccontextmanager
    async def step(self, ticket: Ticket) -> AsyncIterator[None]:
        """One answer at a time per journey: a second concurrent submit is refused, not sent."""
        async with self._store.lock(KIND, ticket.id, _STEP_LOCK_MS):
            yield
