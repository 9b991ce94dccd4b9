"""The server half of Cognito's SRP-6a variant: the PASSWORD_VERIFIER challenge and the check
of the client's claim. The maths is cognito_srp's; this module holds the protocol around it."""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import UTC, datetime
from typing import Any

import cognito_srp
from cognito_emulator.challenges import PASSWORD_VERIFIER
from cognito_emulator.errors import (
    INCORRECT_CREDENTIALS,
    SESSION_INVALID,
    InvalidParameter,
    NotAuthorized,
    required_parameter,
)
from cognito_emulator.models import Client, Pool, User
from cognito_emulator.sessions import AuthSession
from cognito_emulator.state import Emulator

# How far the client's TIMESTAMP may be from the emulator's clock. Cognito's tolerance is
# undocumented (cognito-protocol.md 9.4); five minutes covers ordinary clock skew.
TIMESTAMP_TOLERANCE_SECONDS = 300


def password_verifier_challenge(emulator: Emulator, pool: Pool, client: Client, typed: str,
                                srp_a: str, user: User | None) -> dict[str, Any]:
    """PASSWORD_VERIFIER for ``user``, or for a name that matches no user (``user`` None):
    then a stand-in that looks the same but can never be answered."""
    try:
        big_a = int(srp_a, 16)
    except ValueError as exc:
        raise InvalidParameter("SRP_A is not a hexadecimal number.") from exc
    if big_a % cognito_srp.N == 0:
        raise InvalidParameter("SRP_A is not a valid SRP value.")
    if user is None:
        # A stand-in with a random verifier: the claim can never verify.
        username, salt, verifier = typed, emulator.entropy.salt(), emulator.entropy.salt()
    else:
        username, salt, verifier = user.username, user.salt, user.verifier
    b, big_b = cognito_srp.server_ephemeral(verifier, emulator.entropy.srp_server_secret())
    secret_block = emulator.entropy.secret_block()
    session = emulator.sessions.issue(
        pool_id=pool.id, client_id=client.client_id, username=username,
        challenge=PASSWORD_VERIFIER, validity_minutes=client.auth_session_validity,
        secret_block=secret_block, srp_a=big_a, srp_b=big_b, b=b, verifier=verifier,
        unknown_user=user is None,
    )
    return {
        "ChallengeName": PASSWORD_VERIFIER,
        "Session": session.token,
        "ChallengeParameters": {
            "SALT": format(salt, "x"),
            "SRP_B": format(big_b, "x"),
            "SECRET_BLOCK": base64.b64encode(secret_block).decode(),
            "USERNAME": username,
            "USER_ID_FOR_SRP": username,
        },
    }


def verify_password_claim(emulator: Emulator, pool: Pool, client: Client, body: dict[str, Any],
                          responses: dict[str, str], username: str) -> tuple[AuthSession, User]:
    """The user whose PASSWORD_CLAIM_SIGNATURE checks out; any failure reads as a wrong
    password, as in Cognito."""
    block_text = required_parameter(responses, "PASSWORD_CLAIM_SECRET_BLOCK")
    claimed = required_parameter(responses, "PASSWORD_CLAIM_SIGNATURE")
    timestamp = required_parameter(responses, "TIMESTAMP")
    try:
        secret_block = base64.b64decode(block_text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NotAuthorized(INCORRECT_CREDENTIALS) from exc
    found = emulator.sessions.by_secret_block(secret_block)
    if found is None:
        # A SECRET_BLOCK we never issued: tampered with, as far as the claim is concerned.
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    session = found
    given_session = body.get("Session")
    if session.client_id != client.client_id or (given_session and given_session != session.token):
        raise NotAuthorized(SESSION_INVALID)
    # One answer per SECRET_BLOCK: a wrong proof means starting again with InitiateAuth.
    emulator.sessions.consume(session)
    user = pool.users.get(session.username)
    if user is None or session.data["unknown_user"] or session.username != username:
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    moment = cognito_srp.parse_timestamp(timestamp)
    now = datetime.fromtimestamp(emulator.now(), UTC)
    if moment is None or abs((moment - now).total_seconds()) > TIMESTAMP_TOLERANCE_SECONDS:
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    key = cognito_srp.server_key(session.data["srp_a"], session.data["srp_b"], session.data["b"],
                                 session.data["verifier"])
    message = cognito_srp.signature_message(cognito_srp.pool_name(pool.id), user.username,
                                            secret_block, timestamp)
    if not hmac.compare_digest(cognito_srp.signature(key, message).encode(), claimed.encode()):
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    return session, user
