"""Signed cookie tickets and CSRF tokens (itsdangerous), one salt per purpose.

A *ticket* names a record in Redis and carries the key that decrypts it: ``{id}.{key}``. The
browser holds it only in signed form, so a forged or altered ticket never reaches Redis, and a
Redis dump without the cookies reveals nothing (the keys are not there).

Every purpose has its own salt, so a value signed for one use (a CSRF token, say) is rejected
everywhere else; and every failure (bad signature, expired, wrong salt, retired key, garbage)
collapses into one answer, ``None``, so callers cannot treat them differently by accident.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from itsdangerous import BadData, Signer, TimestampSigner

TICKET_ID_BYTES = 32  # 256 bits from `secrets`; ASVS asks for at least 128
TICKET_KEY_BYTES = 32  # AES-256-GCM
# HMAC-SHA256 signatures; the per-purpose key is derived with HMAC rather than itsdangerous'
# default plain concatenation.
_ALGORITHM: dict[str, Any] = {"digest_method": hashlib.sha256, "key_derivation": "hmac"}


class Purpose(Enum):
    FLOW = "gateway.flow-ticket"
    SESSION = "gateway.session-ticket"
    CSRF = "gateway.csrf-token"


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    key: bytes

    @classmethod
    def new(cls) -> Ticket:
        return cls(secrets.token_urlsafe(TICKET_ID_BYTES), secrets.token_bytes(TICKET_KEY_BYTES))

    def __repr__(self) -> str:  # the key must never end up in a log line
        return f"Ticket(id={self.id[:6]}…)"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signing:
    """Signs and verifies tickets and CSRF tokens with a list of keys, newest last."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one signing key is required")
        self._tickets = {
            purpose: TimestampSigner(list(keys), salt=purpose.value, **_ALGORITHM)
            for purpose in (Purpose.FLOW, Purpose.SESSION)
        }
        self._csrf = Signer(list(keys), salt=Purpose.CSRF.value, **_ALGORITHM)

    def sign_ticket(self, purpose: Purpose, ticket: Ticket) -> str:
        return self._tickets[purpose].sign(f"{ticket.id}.{_b64(ticket.key)}").decode()

    def read_ticket(self, purpose: Purpose, value: str | None, max_age: int) -> Ticket | None:
        if not value or len(value) > 512:
            return None
        try:
            payload = self._tickets[purpose].unsign(value, max_age=max_age).decode()
            ticket_id, key = payload.split(".")
            ticket = Ticket(ticket_id, _unb64(key))
        except (BadData, ValueError, binascii.Error):
            return None
        if len(ticket.key) != TICKET_KEY_BYTES or len(ticket.id) < TICKET_ID_BYTES:
            return None
        return ticket

    def csrf_token(self, ticket: Ticket) -> str:
        """A form token bound to one flow or session: useless with any other cookie."""
        return self._csrf.sign(ticket.id).decode()

    def csrf_issued(self, token: str | None) -> bool:
        """Whether ``token`` is a form token this gateway signed, bound to whichever flow or
        session: a form of ours, perhaps an old one (another tab has moved on since). Never a
        reason to accept a form; only to tell a stale page from a forged or broken one."""
        if not token or len(token) > 512:
            return False
        try:
            self._csrf.unsign(token)
        except (BadData, ValueError):
            return False
        return True

    def check_csrf(self, token: str | None, ticket: Ticket | None) -> bool:
        if not token or ticket is None or len(token) > 512:
            return False
        try:
            bound_to = self._csrf.unsign(token).decode()
        except (BadData, ValueError):
            return False
        return hmac.compare_digest(bound_to, ticket.id)
