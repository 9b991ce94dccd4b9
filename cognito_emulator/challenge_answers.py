"""RespondToAuthChallenge: one answer per challenge the emulator can ask, chosen by the typed
record (challenge_state.py) of the Session being answered.

The SRP proofs (PASSWORD_VERIFIER, DEVICE_PASSWORD_VERIFIER) are found by their SECRET_BLOCK and
DEVICE_SRP_AUTH by (client, user, DEVICE_KEY) when no Session comes with the answer, as classic
SRP clients (pycognito) send none.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Any, assert_never

from cognito_emulator import custom_auth, devices, mfa, passwords, srp_server, user_auth
from cognito_emulator.auth_sessions import AuthSession
from cognito_emulator.auth_steps import SignIn, after_first_factor, after_password, issue_mfa
from cognito_emulator.challenge_state import (
    CustomChallengeState,
    DevicePasswordVerifierState,
    DeviceSrpAuthState,
    MfaCodeState,
    MfaSetupState,
    NewPasswordState,
    PasswordFactorState,
    PasswordVerifierState,
    SelectChallengeState,
    SelectMfaTypeState,
    SignUpState,
    SoftwareTokenMfaState,
    WebAuthnState,
)
from cognito_emulator.client_auth import check_secret_hash
from cognito_emulator.errors import (
    CODE_EXPIRED,
    INCORRECT_CREDENTIALS,
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
from cognito_emulator.models import (
    DEVICE_PASSWORD_VERIFIER,
    DEVICE_SRP_AUTH,
    EMAIL_OTP,
    PASSWORD_VERIFIER,
    SMS_MFA,
    SOFTWARE_TOKEN_MFA,
    Client,
    Pool,
    User,
)
from cognito_emulator.state import Call, Emulator
from cognito_emulator.user_context import refuse_blocked_ip

# The ChallengeResponses member that carries a delivered code.
_CODE_KEYS = {SMS_MFA: "SMS_MFA_CODE", **user_auth.OTP_CODE_KEYS}


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

    if name in (PASSWORD_VERIFIER, DEVICE_PASSWORD_VERIFIER):
        session, user = _srp_claim(emulator, pool, client, body, responses, username)
    else:
        token = body.get("Session")
        if token:
            session = emulator.sessions.expect(token, client_id=client.client_id,
                                               challenge=name, username=username)
        elif name == DEVICE_SRP_AUTH:
            found_session = emulator.sessions.by_device(
                client.client_id, username, required_parameter(responses, "DEVICE_KEY"))
            if found_session is None:
                raise NotAuthorized(SESSION_INVALID)
            session = found_session
        else:
            raise InvalidParameter(missing_parameter("Session"))
        found = pool.users.get(session.username)
        if found is None and user_auth.is_stand_in(session.state):
            return user_auth.answer_unknown_user(emulator, pool, client, session, responses)
        if found is None:
            raise NotAuthorized(SESSION_INVALID)
        user = found
    if not user.enabled:
        raise NotAuthorized(USER_DISABLED)
    state = session.state
    device_key = responses.get("DEVICE_KEY") or None
    if isinstance(state, PasswordVerifierState) and device_key is None:
        device_key = state.device_key
    sign_in = SignIn(emulator, call, pool, client, user, context, device_key=device_key)
    client_metadata: dict[str, str] = body.get("ClientMetadata") or {}
    match state:
        case PasswordVerifierState():
            # The claim was checked by _srp_claim.
            if state.custom_session is not None:
                return custom_auth.after_password_verifier(sign_in, state, client_metadata)
            return after_password(sign_in)
        case DevicePasswordVerifierState():
            # The claim was checked by _srp_claim; the device stands in for MFA.
            sign_in.device_key = state.device_key
            return sign_in.complete()
        case DeviceSrpAuthState():
            return _device_srp_auth(sign_in, session, state, responses)
        case NewPasswordState():
            return _new_password(sign_in, session, responses)
        case MfaCodeState():
            return _delivered_code(sign_in, session, state, responses)
        case SoftwareTokenMfaState():
            return _totp_code(sign_in, session, responses)
        case SelectMfaTypeState():
            return _select_mfa_type(sign_in, session, state, responses)
        case MfaSetupState():
            return _mfa_setup(sign_in, session, state, responses)
        case CustomChallengeState():
            return custom_auth.answer(sign_in, session, state, responses, client_metadata)
        case SelectChallengeState():
            return user_auth.answer_select_challenge(sign_in, session, state, responses)
        case PasswordFactorState():
            return user_auth.answer_password_factor(sign_in, session, state, responses)
        case WebAuthnState():
            return user_auth.answer_web_authn(sign_in, session, state, responses)
        case SignUpState():  # never reached: its name is no ChallengeName (session check)
            raise NotAuthorized(SESSION_INVALID)
        case _:
            assert_never(state)


def _srp_claim(emulator: Emulator, pool: Pool, client: Client, body: dict[str, Any],
               responses: dict[str, str], username: str) -> tuple[AuthSession, User]:
    """The PASSWORD_VERIFIER or DEVICE_PASSWORD_VERIFIER session and the user whose
    PASSWORD_CLAIM_SIGNATURE checks out; any failure reads as a wrong password, as in
    Cognito."""
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
    state = session.state
    # Only these two are found by SECRET_BLOCK.
    assert isinstance(state, PasswordVerifierState | DevicePasswordVerifierState)
    if state.challenge_name != body["ChallengeName"]:
        raise NotAuthorized(SESSION_INVALID)
    # One answer per SECRET_BLOCK: a wrong proof means starting again with InitiateAuth.
    emulator.sessions.consume(session)
    user = pool.users.get(session.username)
    if isinstance(state, PasswordVerifierState):
        genuine = state.user_exists
    else:
        # The device must still be the one challenged, and still remembered.
        device = None if user is None else devices.device_replacing_mfa(pool, user,
                                                                         state.device_key)
        genuine = device is not None and responses.get("DEVICE_KEY") == state.device_key
    if (
        user is None
        or not genuine
        or session.username != username
        or not state.srp.claim_verifies(claimed, timestamp, emulator.now())
    ):
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    return session, user


def _device_srp_auth(sign_in: SignIn, session: AuthSession, state: DeviceSrpAuthState,
                     responses: dict[str, str]) -> dict[str, Any]:
    """DEVICE_SRP_AUTH answered with the device's SRP_A: DEVICE_PASSWORD_VERIFIER with B, the
    device salt and a SECRET_BLOCK."""
    srp_a = required_parameter(responses, "SRP_A")
    if required_parameter(responses, "DEVICE_KEY") != state.device_key:
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    device = devices.device_replacing_mfa(sign_in.pool, sign_in.user, state.device_key)
    if device is None:  # forgotten or no longer remembered since the challenge was issued
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    exchange = srp_server.start_exchange(devices.srp_identity(device), srp_a,
                                         sign_in.emulator.entropy)
    sign_in.emulator.sessions.consume(session)
    return sign_in.challenge(
        DevicePasswordVerifierState(srp=exchange, device_key=device.key),
        {**exchange.challenge_parameters(), "USERNAME": sign_in.user.username,
         "DEVICE_KEY": device.key},
        name_user=False,
    )


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


def _delivered_code(sign_in: SignIn, session: AuthSession, state: MfaCodeState,
                    responses: dict[str, str]) -> dict[str, Any]:
    code = required_parameter(responses, _CODE_KEYS[state.method])
    emulator = sign_in.emulator
    if emulator.now() >= state.expires_at:
        raise ExpiredCode(CODE_EXPIRED)
    if not hmac.compare_digest(code.encode(), state.code.encode()):
        emulator.sessions.wrong_answer(session)
        raise CodeMismatch(MFA_CODE_MISMATCH)
    emulator.sessions.consume(session)
    if state.setup_email:
        user = sign_in.user
        user.attributes["email"] = state.setup_email
        user.attributes["email_verified"] = "true"
        mfa.enable(user.mfa, EMAIL_OTP)
    return sign_in.complete()


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


def _select_mfa_type(sign_in: SignIn, session: AuthSession, state: SelectMfaTypeState,
                     responses: dict[str, str]) -> dict[str, Any]:
    answer = required_parameter(responses, "ANSWER")
    if answer not in state.choices:
        raise InvalidParameter(f"ANSWER must be one of {json.dumps(state.choices)}.")
    sign_in.emulator.sessions.consume(session)
    return issue_mfa(sign_in, answer)


def _mfa_setup(sign_in: SignIn, session: AuthSession, state: MfaSetupState,
               responses: dict[str, str]) -> dict[str, Any]:
    user, emulator = sign_in.user, sign_in.emulator
    if state.stage == "verified":
        emulator.sessions.consume(session)
        mfa.enable(user.mfa, SOFTWARE_TOKEN_MFA)
        return sign_in.complete()
    email = responses.get("EMAIL")
    if email:
        if EMAIL_OTP not in state.can_setup:
            raise InvalidParameter("Email MFA is not available for this user pool.")
        emulator.sessions.consume(session)
        return issue_mfa(sign_in, EMAIL_OTP, setup_email=email)
    raise InvalidParameter(
        "MFA_SETUP needs a software token verified with VerifySoftwareToken (answer with its "
        "Session) or an EMAIL to set up email MFA."
    )

