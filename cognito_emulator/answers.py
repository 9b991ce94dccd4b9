"""RespondToAuthChallenge: one answer per challenge the emulator can ask."""

from __future__ import annotations

import hmac
import json
from typing import Any

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
    MFA_CODE_MISMATCH,
    SESSION_INVALID,
    USER_DISABLED,
    CodeMismatch,
    ExpiredCode,
    InvalidParameter,
    NotAuthorized,
    SoftwareTokenMFANotFound,
    missing_parameter,
    required_parameter,
)
from cognito_emulator.models import EMAIL_OTP, SMS_MFA, SOFTWARE_TOKEN_MFA
from cognito_emulator.sessions import AuthSession
from cognito_emulator.srp_server import verify_password_claim
from cognito_emulator.state import Call, Emulator


def respond_to_auth_challenge(emulator: Emulator, call: Call) -> dict[str, Any]:
    body = call.body
    pool, client = emulator.store.client(body["ClientId"])
    context = call.caller(client)
    responses: dict[str, str] = body.get("ChallengeResponses") or {}
    name = body["ChallengeName"]
    username = required_parameter(responses, "USERNAME")
    call.record.username = username
    check_secret_hash(client, username, responses.get("SECRET_HASH"))
    refuse_blocked_ip(pool, context)

    if name == PASSWORD_VERIFIER:
        session, user = verify_password_claim(emulator, pool, client, body, responses, username)
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


def _new_password(sign_in: SignIn, session: AuthSession,
                  responses: dict[str, str]) -> dict[str, Any]:
    pool, user, emulator = sign_in.pool, sign_in.user, sign_in.emulator
    new_password = required_parameter(responses, "NEW_PASSWORD")
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
    code = required_parameter(responses, code_key)
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
    code = required_parameter(responses, "SOFTWARE_TOKEN_MFA_CODE")
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
    answer = required_parameter(responses, "ANSWER")
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
