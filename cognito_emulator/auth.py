"""InitiateAuth and RespondToAuthChallenge: the sign-in state machine.

Flows: USER_SRP_AUTH (Cognito's SRP-6a variant, verified for real), USER_PASSWORD_AUTH and
REFRESH_TOKEN_AUTH. Challenges: PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED, SMS_MFA, EMAIL_OTP,
SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE and MFA_SETUP.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import cognito_srp
from cognito_emulator import mfa, passwords
from cognito_emulator.challenges import (
    MFA_SETUP_CHALLENGE,
    NEW_PASSWORD_REQUIRED,
    PASSWORD_VERIFIER,
    SELECT_MFA_TYPE,
    SignIn,
    after_first_factor,
    after_password,
    issue_mfa,
)
from cognito_emulator.client_auth import check_secret_hash
from cognito_emulator.context import refuse_blocked_ip
from cognito_emulator.errors import (
    CODE_EXPIRED,
    INCORRECT_CREDENTIALS,
    MFA_CODE_MISMATCH,
    PASSWORD_RESET_REQUIRED,
    REFRESH_TOKEN_EXPIRED,
    REFRESH_TOKEN_INVALID,
    REFRESH_TOKEN_REVOKED,
    SESSION_INVALID,
    USER_DISABLED,
    USER_DOES_NOT_EXIST,
    USER_NOT_CONFIRMED,
    CodeMismatch,
    ExpiredCode,
    InvalidParameter,
    NotAuthorized,
    PasswordResetRequired,
    SoftwareTokenMFANotFound,
    UnsupportedOperation,
    UserNotConfirmed,
    UserNotFound,
    missing_parameter,
)
from cognito_emulator.models import EMAIL_OTP, SMS_MFA, SOFTWARE_TOKEN_MFA, Client, Pool, User
from cognito_emulator.sessions import AuthSession
from cognito_emulator.state import Call, Emulator
from cognito_emulator.store import DEFAULT_FLOWS, LEGACY_FLOWS

# How far the client's TIMESTAMP may be from the emulator's clock. Cognito's tolerance is
# undocumented (cognito-protocol.md 9.4); five minutes covers ordinary clock skew.
TIMESTAMP_TOLERANCE_SECONDS = 300

_ALLOW_FLAG = {
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
    "USER_AUTH": "ALLOW_USER_AUTH",
}


# -- InitiateAuth ----------------------------------------------------------------------------
def initiate_auth(emulator: Emulator, call: Call) -> dict[str, Any]:
    body = call.body
    pool, client = emulator.store.client(body["ClientId"])
    context = call.caller(client)
    parameters: dict[str, str] = body.get("AuthParameters") or {}
    flow = body["AuthFlow"]
    if flow in ("ADMIN_NO_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH"):
        raise InvalidParameter("Initiate Auth method not supported.")
    if not _flow_enabled(client, flow):
        raise InvalidParameter(f"{flow} flow not enabled for this client")
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return _refresh(emulator, call, pool, client, parameters)
    if flow == "CUSTOM_AUTH":
        raise NotAuthorized("Custom auth lambda trigger is not configured for the user pool.")
    if flow == "USER_AUTH":
        raise UnsupportedOperation("cognito-emulator does not implement USER_AUTH yet.")

    username = _required(parameters, "USERNAME")
    call.record.username = username
    check_secret_hash(client, username, parameters.get("SECRET_HASH"))
    srp_a = _required(parameters, "SRP_A") if flow == "USER_SRP_AUTH" else None
    password = _required(parameters, "PASSWORD") if flow == "USER_PASSWORD_AUTH" else None

    user = emulator.store.find_user(pool, username)
    if user is None:
        if client.prevent_user_existence_errors != "ENABLED":
            raise UserNotFound(USER_DOES_NOT_EXIST)
        if srp_a is not None:
            # Answer as if the user existed, so the reply does not reveal that it does not.
            return _srp_challenge(emulator, pool, client, username, srp_a, None)
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    _refuse_unusable(user)
    refuse_blocked_ip(pool, context)
    if srp_a is not None:
        return _srp_challenge(emulator, pool, client, username, srp_a, user)
    assert password is not None
    if not passwords.password_matches(pool, user, password):
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    return after_password(SignIn(emulator, call, pool, client, user, context))


def _flow_enabled(client: Client, flow: str) -> bool:
    flows = client.explicit_auth_flows or list(DEFAULT_FLOWS)
    if LEGACY_FLOWS.intersection(flows):
        if "CUSTOM_AUTH_FLOW_ONLY" in flows:
            return flow in ("CUSTOM_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
        return flow != "USER_PASSWORD_AUTH" or "USER_PASSWORD_AUTH" in flows
    return _ALLOW_FLAG.get(flow) in flows


def _refuse_unusable(user: User) -> None:
    # Cognito reports these before looking at the password (an unconfirmed user hears
    # "not confirmed" even with a wrong password; public reports agree on this).
    if not user.enabled:
        raise NotAuthorized(USER_DISABLED)
    if user.status == "UNCONFIRMED":
        raise UserNotConfirmed(USER_NOT_CONFIRMED)
    if user.status == "RESET_REQUIRED":
        raise PasswordResetRequired(PASSWORD_RESET_REQUIRED)


def _srp_challenge(emulator: Emulator, pool: Pool, client: Client, typed: str, srp_a: str,
                   user: User | None) -> dict[str, Any]:
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


def _refresh(emulator: Emulator, call: Call, pool: Pool, client: Client,
             parameters: dict[str, str]) -> dict[str, Any]:
    token = _required(parameters, "REFRESH_TOKEN")
    record = emulator.tokens.refresh_tokens.get(token)
    if record is None or record.client_id != client.client_id:
        raise NotAuthorized(REFRESH_TOKEN_INVALID)
    call.record.username = record.username
    # The hash is over the internal username, whatever name the user signed in with.
    check_secret_hash(client, record.username, parameters.get("SECRET_HASH"))
    if record.origin_jti in emulator.tokens.revoked_origins:
        raise NotAuthorized(REFRESH_TOKEN_REVOKED)
    if emulator.now() >= record.expires_at:
        raise NotAuthorized(REFRESH_TOKEN_EXPIRED)
    user = pool.users.get(record.username)
    if user is None:
        raise UserNotFound(USER_DOES_NOT_EXIST)
    if not user.enabled:
        raise NotAuthorized(USER_DISABLED)
    result = emulator.tokens.mint(pool, client, user, call.issuer, origin_jti=record.origin_jti,
                                  auth_time=record.auth_time)
    return {"ChallengeParameters": {}, "AuthenticationResult": result}


# -- RespondToAuthChallenge ------------------------------------------------------------------
def respond_to_auth_challenge(emulator: Emulator, call: Call) -> dict[str, Any]:
    body = call.body
    pool, client = emulator.store.client(body["ClientId"])
    context = call.caller(client)
    responses: dict[str, str] = body.get("ChallengeResponses") or {}
    name = body["ChallengeName"]
    username = _required(responses, "USERNAME")
    call.record.username = username
    check_secret_hash(client, username, responses.get("SECRET_HASH"))
    refuse_blocked_ip(pool, context)

    if name == PASSWORD_VERIFIER:
        session, user = _password_claim(emulator, pool, client, body, responses, username)
    else:
        token = body.get("Session")
        if not token:
            raise InvalidParameter(missing_parameter("Session"))
        session = emulator.sessions.expect(token, client_id=client.client_id, challenge=name,
                                           username=username)
        found = pool.users.get(session.username)
        if found is None:
            raise NotAuthorized(SESSION_INVALID)
        user = found
    if not user.enabled:
        raise NotAuthorized(USER_DISABLED)
    sign_in = SignIn(emulator, call, pool, client, user, context)
    if name == PASSWORD_VERIFIER:
        return after_password(sign_in)
    answer = _ANSWERS.get(name)
    if answer is None:  # pragma: no cover - no session ever expects another challenge
        raise NotAuthorized(SESSION_INVALID)
    return answer(sign_in, session, responses)


def _password_claim(emulator: Emulator, pool: Pool, client: Client, body: dict[str, Any],
                    responses: dict[str, str], username: str) -> tuple[AuthSession, User]:
    block_text = _required(responses, "PASSWORD_CLAIM_SECRET_BLOCK")
    claimed = _required(responses, "PASSWORD_CLAIM_SIGNATURE")
    timestamp = _required(responses, "TIMESTAMP")
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


def _new_password(sign_in: SignIn, session: AuthSession,
                  responses: dict[str, str]) -> dict[str, Any]:
    pool, user, emulator = sign_in.pool, sign_in.user, sign_in.emulator
    new_password = _required(responses, "NEW_PASSWORD")
    passwords.check_policy(pool.password_policy, new_password)
    prefix = "userAttributes."
    updates = {key[len(prefix):]: value for key, value in responses.items()
               if key.startswith(prefix)}
    for attribute in updates:
        schema = pool.schema.get(attribute)
        if schema is None:
            raise InvalidParameter(f"Invalid attributes given, {attribute} is not in the schema")
        if not schema.mutable and user.attributes.get(attribute):
            raise InvalidParameter(f"Cannot modify the non-mutable attribute {attribute}")
    for attribute in pool.required_attributes():
        if not user.attributes.get(attribute) and not updates.get(attribute):
            raise InvalidParameter(f"Invalid attributes given, {attribute} is missing")
    emulator.sessions.consume(session)
    user.attributes.update(updates)
    passwords.set_password(pool, user, new_password, emulator.entropy.salt(), emulator.now())
    user.status = "CONFIRMED"
    user.modified = emulator.now()
    return after_first_factor(sign_in)


def _delivered_code(sign_in: SignIn, session: AuthSession, responses: dict[str, str],
                    code_key: str) -> dict[str, Any]:
    code = _required(responses, code_key)
    emulator = sign_in.emulator
    if emulator.now() >= session.data["code_expires_at"]:
        raise ExpiredCode(CODE_EXPIRED)
    if not hmac.compare_digest(code.encode(), session.data["code"].encode()):
        emulator.sessions.wrong_answer(session)
        raise CodeMismatch(MFA_CODE_MISMATCH)
    emulator.sessions.consume(session)
    setup_email = session.data.get("setup_email")
    if setup_email:
        user = sign_in.user
        user.attributes["email"] = setup_email
        user.attributes["email_verified"] = "true"
        mfa.enable(user.mfa, EMAIL_OTP)
    return sign_in.complete()


def _sms_code(sign_in: SignIn, session: AuthSession, responses: dict[str, str]) -> dict[str, Any]:
    return _delivered_code(sign_in, session, responses, "SMS_MFA_CODE")


def _email_code(sign_in: SignIn, session: AuthSession,
                responses: dict[str, str]) -> dict[str, Any]:
    return _delivered_code(sign_in, session, responses, "EMAIL_OTP_CODE")


def _totp_code(sign_in: SignIn, session: AuthSession, responses: dict[str, str]) -> dict[str, Any]:
    code = _required(responses, "SOFTWARE_TOKEN_MFA_CODE")
    user, emulator = sign_in.user, sign_in.emulator
    if user.mfa.totp_secret is None:
        raise SoftwareTokenMFANotFound("Software Token MFA is not configured for this user.")
    step = mfa.matching_totp_step(user.mfa.totp_secret, code, emulator.now())
    if step is None:
        emulator.sessions.wrong_answer(session)
        raise CodeMismatch(MFA_CODE_MISMATCH)
    mfa.remember_totp_step(user.mfa, step)
    emulator.sessions.consume(session)
    return sign_in.complete()


def _select_mfa_type(sign_in: SignIn, session: AuthSession,
                     responses: dict[str, str]) -> dict[str, Any]:
    answer = _required(responses, "ANSWER")
    if answer not in session.data["choices"]:
        raise InvalidParameter(
            f"ANSWER must be one of {json.dumps(session.data['choices'])}."
        )
    sign_in.emulator.sessions.consume(session)
    return issue_mfa(sign_in, answer)


def _mfa_setup(sign_in: SignIn, session: AuthSession, responses: dict[str, str]) -> dict[str, Any]:
    user, emulator = sign_in.user, sign_in.emulator
    if session.data["stage"] == "verified":
        emulator.sessions.consume(session)
        mfa.enable(user.mfa, SOFTWARE_TOKEN_MFA)
        return sign_in.complete()
    email = responses.get("EMAIL")
    if email:
        if EMAIL_OTP not in session.data["can_setup"]:
            raise InvalidParameter("Email MFA is not available for this user pool.")
        emulator.sessions.consume(session)
        return issue_mfa(sign_in, EMAIL_OTP, setup_email=email)
    raise InvalidParameter(
        "MFA_SETUP needs a software token verified with VerifySoftwareToken (answer with its "
        "Session) or an EMAIL to set up email MFA."
    )


_ANSWERS = {
    NEW_PASSWORD_REQUIRED: _new_password,
    SMS_MFA: _sms_code,
    EMAIL_OTP: _email_code,
    SOFTWARE_TOKEN_MFA: _totp_code,
    SELECT_MFA_TYPE: _select_mfa_type,
    MFA_SETUP_CHALLENGE: _mfa_setup,
}


def _required(parameters: dict[str, str], name: str) -> str:
    value = parameters.get(name)
    if not value:
        raise InvalidParameter(missing_parameter(name))
    return value
