"""Cognito's opaque ``Session``: one per challenge step, short-lived, single-use.

Each session is bound to the pool, the app client, the internal username and the challenge it
expects (cognito-protocol.md section 7), whose typed record (challenge_state.py) it carries. The
PASSWORD_VERIFIER and DEVICE_PASSWORD_VERIFIER steps are also reachable through their
SECRET_BLOCK, and DEVICE_SRP_AUTH through (client, user, DEVICE_KEY), because classic SRP clients
(pycognito) answer them without a Session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from cognito_emulator.challenge_state import (
    ChallengeState,
    DevicePasswordVerifierState,
    DeviceSrpAuthState,
    PasswordVerifierState,
)
from cognito_emulator.clock import Clock
from cognito_emulator.entropy import Entropy
from cognito_emulator.errors import SESSION_EXPIRED, SESSION_INVALID, SESSION_USED, NotAuthorized

# 96 random bytes -> 128 url-safe characters: inside the model's 20..2048 (4096 in newer
# botocore), so a client that stores either limit is exercised.
SESSION_BYTES = 96
# Wrong codes allowed on one session before it ends. Cognito's number is undocumented
# (cognito-protocol.md 12.3); five is the emulator's choice.
MAX_WRONG_ANSWERS = 5
# Bounds for a long-running local stack: beyond them the oldest ended sessions are forgotten
# (a reuse then reads "Invalid session for the user.") and expired ones are swept.
_MAX_REMEMBERED = 20_000


@dataclass
class AuthSession:
    token: str
    pool_id: str
    client_id: str
    username: str
    state: ChallengeState
    expires_at: float
    wrong_answers: int = 0

    @property
    def challenge(self) -> str:
        return self.state.challenge_name


class SessionStore:
    def __init__(self, clock: Clock, entropy: Entropy) -> None:
        self._clock = clock
        self._entropy = entropy
        self._live: dict[str, AuthSession] = {}
        # Why a dead session died, so the next use gets Cognito's matching message.
        self._dead: dict[str, str] = {}
        self._by_secret_block: dict[bytes, str] = {}
        self._by_device: dict[tuple[str, str, str], str] = {}

    def issue(self, *, pool_id: str, client_id: str, username: str, state: ChallengeState,
              validity_minutes: int) -> AuthSession:
        session = AuthSession(
            token=self._entropy.token(SESSION_BYTES),
            pool_id=pool_id,
            client_id=client_id,
            username=username,
            state=state,
            expires_at=self._clock.now() + validity_minutes * 60,
        )
        self._prune()
        self._live[session.token] = session
        if isinstance(state, PasswordVerifierState | DevicePasswordVerifierState):
            self._by_secret_block[state.srp.secret_block] = session.token
        if isinstance(state, DeviceSrpAuthState):
            self._by_device[(client_id, username, state.device_key)] = session.token
        return session

    def by_secret_block(self, secret_block: bytes) -> AuthSession | None:
        """The (DEVICE_)PASSWORD_VERIFIER session a SECRET_BLOCK was issued with (None if it
        never was); raises like ``resolve`` if that session is spent or expired."""
        token = self._by_secret_block.get(secret_block)
        return None if token is None else self.resolve(token)

    def by_device(self, client_id: str, username: str, device_key: str) -> AuthSession | None:
        """The latest DEVICE_SRP_AUTH session issued for that client, user and device (None if
        there is none); raises like ``resolve`` if it is spent or expired."""
        token = self._by_device.get((client_id, username, device_key))
        return None if token is None else self.resolve(token)

    def resolve(self, token: str) -> AuthSession:
        """The live session for ``token``, or NotAuthorizedException with the reason."""
        reason = self._dead.get(token)
        if reason is not None:
            raise NotAuthorized(reason)
        session = self._live.get(token)
        if session is None:
            raise NotAuthorized(SESSION_INVALID)
        if self._clock.now() >= session.expires_at:
            self._end(session, SESSION_EXPIRED)
            raise NotAuthorized(SESSION_EXPIRED)
        return session

    def expect(self, token: str, *, client_id: str, challenge: str,
               username: str) -> AuthSession:
        """``resolve`` plus the binding checks: same client, expected step, same user."""
        session = self.resolve(token)
        if (
            session.client_id != client_id
            or session.challenge != challenge
            or session.username != username
        ):
            raise NotAuthorized(SESSION_INVALID)
        return session

    def consume(self, session: AuthSession) -> None:
        self._end(session, SESSION_USED)

    def wrong_answer(self, session: AuthSession) -> None:
        """Count a wrong code; the session survives until MAX_WRONG_ANSWERS."""
        session.wrong_answers += 1
        if session.wrong_answers >= MAX_WRONG_ANSWERS:
            self._end(session, SESSION_INVALID)

    def _prune(self) -> None:
        _forget_oldest_half(self._dead)
        _forget_oldest_half(self._by_secret_block)
        _forget_oldest_half(self._by_device)
        if len(self._live) > _MAX_REMEMBERED:
            now = self._clock.now()
            for session in [s for s in self._live.values() if now >= s.expires_at]:
                self._end(session, SESSION_EXPIRED)

    def _end(self, session: AuthSession, reason: str) -> None:
        # The SECRET_BLOCK index is kept, so a replayed PASSWORD_VERIFIER answer is told why.
        self._live.pop(session.token, None)
        self._dead[session.token] = reason


_Key = TypeVar("_Key")


def _forget_oldest_half(index: dict[_Key, str]) -> None:
    if len(index) > _MAX_REMEMBERED:  # dicts keep insertion order: oldest first
        for key in list(index)[: len(index) // 2]:
            del index[key]
