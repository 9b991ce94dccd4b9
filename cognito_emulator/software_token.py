"""AssociateSoftwareToken and VerifySoftwareToken: enrolling an authenticator app.

Two ways in (cognito-protocol.md 5.6 and 7): with an access token (a signed-in user adding TOTP)
or with the Session of an MFA_SETUP challenge, where each call hands back a new Session and the
last one answers MFA_SETUP.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cognito_emulator import mfa
from cognito_emulator.auth_sessions import AuthSession
from cognito_emulator.challenge_state import MfaSetupStage, MfaSetupState
from cognito_emulator.errors import (
    SESSION_INVALID,
    TOTP_ENROLMENT_MISMATCH,
    EnableSoftwareTokenMFA,
    InvalidParameter,
    NotAuthorized,
    SoftwareTokenMFANotFound,
)
from cognito_emulator.models import User
from cognito_emulator.state import Call, Emulator
from cognito_emulator.user_self import signed_in_user

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# Cognito's SecretCode is 32 base32 characters (160 bits, the RFC 4226 recommendation).
SECRET_LENGTH = 32


def associate_software_token(emulator: Emulator, call: Call) -> dict[str, Any]:
    secret = emulator.entropy.alphanumeric(SECRET_LENGTH, BASE32)
    token = _one_credential(call.body)
    if token is None:
        _pool, user = signed_in_user(emulator, call)
        user.mfa.pending_totp_secret = secret
        return {"SecretCode": secret}
    session, state, user = _setup_session(emulator, call, token, ("start", "associated"))
    user.mfa.pending_totp_secret = secret
    return {"SecretCode": secret, "Session": _next_step(emulator, session, state, "associated")}


def verify_software_token(emulator: Emulator, call: Call) -> dict[str, Any]:
    code = call.body["UserCode"]
    token = _one_credential(call.body)
    if token is None:
        _pool, user = signed_in_user(emulator, call)
        _accept(emulator, user, code, on_mismatch=None)
        return {"Status": "SUCCESS"}
    session, state, user = _setup_session(emulator, call, token, ("associated",))
    _accept(emulator, user, code, on_mismatch=session)
    return {"Status": "SUCCESS", "Session": _next_step(emulator, session, state, "verified")}


def _one_credential(body: dict[str, Any]) -> str | None:
    """The Session, or None when the caller used an access token; never both."""
    if bool(body.get("AccessToken")) == bool(body.get("Session")):
        raise InvalidParameter("Exactly one of AccessToken or Session must be provided.")
    session: str | None = body.get("Session")
    return session


def _setup_session(emulator: Emulator, call: Call, token: str,
                   stages: tuple[MfaSetupStage, ...]) -> tuple[AuthSession, MfaSetupState, User]:
    session = emulator.sessions.resolve(token)
    state = session.state
    if not isinstance(state, MfaSetupState) or state.stage not in stages:
        raise NotAuthorized(SESSION_INVALID)
    call.record.client_id = session.client_id
    call.record.username = session.username
    pool = emulator.store.pools.get(session.pool_id)
    user = pool.users.get(session.username) if pool is not None else None
    if pool is None or user is None:
        raise NotAuthorized(SESSION_INVALID)
    return session, state, user


def _accept(emulator: Emulator, user: User, code: str, on_mismatch: AuthSession | None) -> None:
    secret = user.mfa.pending_totp_secret
    if secret is None:
        raise SoftwareTokenMFANotFound("Software token has not been associated with this user.")
    step = mfa.matching_totp_step(secret, code, emulator.now())
    if step is None:
        if on_mismatch is not None:
            emulator.sessions.wrong_answer(on_mismatch)
        raise EnableSoftwareTokenMFA(TOTP_ENROLMENT_MISMATCH)
    mfa.remember_totp_step(user.mfa, step)
    user.mfa.totp_secret = secret
    user.mfa.pending_totp_secret = None


def _next_step(emulator: Emulator, session: AuthSession, state: MfaSetupState,
               stage: MfaSetupStage) -> str:
    emulator.sessions.consume(session)
    pool = emulator.store.pool(session.pool_id)
    client = pool.clients[session.client_id]
    following = emulator.sessions.issue(
        pool_id=session.pool_id, client_id=session.client_id, username=session.username,
        state=replace(state, stage=stage), validity_minutes=client.auth_session_validity,
    )
    return following.token
