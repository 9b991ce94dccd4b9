"""Choice-based sign-in: InitiateAuth USER_AUTH, SELECT_CHALLENGE and the first factors.

The pool must be on the ESSENTIALS or PLUS plan and the client allow ``ALLOW_USER_AUTH``. The
factors a user can choose (``AvailableChallenges``) are the pool's AllowedFirstAuthFactors that
fit them (``available_challenges``). ``PREFERRED_CHALLENGE`` goes straight to an available
factor; otherwise (or when it names one that is not available) the answer is SELECT_CHALLENGE.

- PASSWORD (+ ``PASSWORD``) is USER_PASSWORD_AUTH: a new password, MFA, a remembered device.
- PASSWORD_SRP (+ ``SRP_A``) is PASSWORD_VERIFIER, then the same.
- EMAIL_OTP / SMS_OTP send a code (outbox purpose ``SIGN_IN``), checked like an MFA code.
- WEB_AUTHN asks for a passkey assertion (passkeys.py).
A passwordless factor ends the sign-in without MFA: Cognito does not offer passwordless
factors to a user with MFA (the pool's MFA ON, or OPTIONAL with a method the user has), except a
passkey with user verification when the pool's FactorConfiguration is
MULTI_FACTOR_WITH_USER_VERIFICATION and the user turned on WebAuthnMfaSettings.

A name that matches no user, with PreventUserExistenceErrors ENABLED, is offered the pool's
factors as a user with a password, a verified email and phone (and no passkey) would be; every
answer then fails as a wrong one would.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cognito_emulator import delivery, messages, mfa, passkeys, passwords, triggers
from cognito_emulator.account import sign_in_session
from cognito_emulator.auth_sessions import AuthSession
from cognito_emulator.auth_steps import (
    MFA_CODE_VALIDITY_SECONDS,
    SignIn,
    after_first_factor,
    after_password,
    password_verifier,
    refuse_unusable,
)
from cognito_emulator.challenge_state import (
    ChallengeState,
    MfaCodeState,
    PasswordFactorState,
    SelectChallengeState,
    WebAuthnState,
)
from cognito_emulator.client_auth import check_secret_hash
from cognito_emulator.errors import (
    CHALLENGE_NOT_AVAILABLE,
    INCORRECT_CREDENTIALS,
    MFA_CODE_MISMATCH,
    NO_FIRST_FACTOR,
    SESSION_INVALID,
    USER_AUTH_NEEDS_TIER,
    USER_DOES_NOT_EXIST,
    CodeMismatch,
    FeatureUnavailableInTier,
    InvalidParameter,
    NotAuthorized,
    UserNotFound,
    required_parameter,
)
from cognito_emulator.models import (
    EMAIL_OTP,
    LITE,
    PASSWORD_CHALLENGE,
    PASSWORD_SRP,
    SMS_OTP,
    WEB_AUTHN,
    Client,
    Pool,
    User,
)
from cognito_emulator.outbox import SIGN_IN
from cognito_emulator.state import Call, Emulator
from cognito_emulator.user_context import CallerContext, refuse_blocked_ip

# The ChallengeResponses member that carries a passwordless code.
OTP_CODE_KEYS = {EMAIL_OTP: "EMAIL_OTP_CODE", SMS_OTP: "SMS_OTP_CODE"}
_OTP_MEDIUM = {EMAIL_OTP: delivery.EMAIL, SMS_OTP: delivery.SMS}


def start(emulator: Emulator, call: Call, pool: Pool, client: Client, context: CallerContext,
          parameters: dict[str, str]) -> dict[str, Any]:
    """InitiateAuth USER_AUTH (the flow is known to be enabled for the client)."""
    if pool.tier == LITE:
        raise FeatureUnavailableInTier(USER_AUTH_NEEDS_TIER)
    username = required_parameter(parameters, "USERNAME")
    call.record.username = username
    check_secret_hash(client, username, parameters.get("SECRET_HASH"))
    preferred = parameters.get("PREFERRED_CHALLENGE") or None
    user = emulator.store.find_user(pool, username)
    sign_up_session = call.body.get("Session")
    if sign_up_session:
        return _after_sign_up(emulator, call, pool, client, context, user, sign_up_session,
                              parameters)
    if user is None:
        if client.prevent_user_existence_errors != "ENABLED":
            raise UserNotFound(USER_DOES_NOT_EXIST)
        refuse_blocked_ip(pool, context)
        return _unknown_user_start(emulator, pool, client, username, preferred, parameters)
    refuse_unusable(user)
    refuse_blocked_ip(pool, context)
    triggers.pre_authentication(emulator.functions, pool, client.client_id, user,
                                dict(call.body.get("ClientMetadata") or {}),
                                emulator.outbox.sender(pool.id, user.username, emulator.now))
    sign_in = SignIn(emulator, call, pool, client, user, context,
                     device_key=parameters.get("DEVICE_KEY") or None)
    available = available_challenges(pool, user)
    if preferred in available:
        assert preferred is not None
        return begin_factor(sign_in, preferred, parameters)
    if not available:
        raise NotAuthorized(NO_FIRST_FACTOR)
    return _select_challenge(sign_in, available)


def _after_sign_up(emulator: Emulator, call: Call, pool: Pool, client: Client,
                   context: CallerContext, user: User | None, token: str,
                   parameters: dict[str, str]) -> dict[str, Any]:
    """USER_AUTH with ConfirmSignUp's Session (or SignUp's, for a user PreSignUp confirmed):
    the confirmation stands in for the first factor; MFA and the rest follow as after a
    password. The Session is single-use."""
    if user is None:
        raise NotAuthorized(SESSION_INVALID)
    session = sign_in_session(emulator, client, user, token)
    refuse_unusable(user)
    refuse_blocked_ip(pool, context)
    triggers.pre_authentication(emulator.functions, pool, client.client_id, user,
                                dict(call.body.get("ClientMetadata") or {}),
                                emulator.outbox.sender(pool.id, user.username, emulator.now))
    emulator.sessions.consume(session)
    return after_first_factor(SignIn(emulator, call, pool, client, user, context,
                                     device_key=parameters.get("DEVICE_KEY") or None))


# -- which factors -------------------------------------------------------------------------


def mfa_active(pool: Pool, user: User) -> bool:
    """Whether MFA applies to the user: then no passwordless first factor is offered."""
    if pool.mfa_configuration == "ON":
        return True
    return pool.mfa_configuration == "OPTIONAL" and bool(mfa.usable_methods(pool, user))


def passkey_satisfies_mfa(pool: Pool, user: User) -> bool:
    return (pool.web_authn is not None and pool.web_authn.multi_factor
            and user.mfa.webauthn_mfa_enabled)


def available_challenges(pool: Pool, user: User) -> list[str]:
    """AvailableChallenges: PASSWORD and PASSWORD_SRP (every user has a password here),
    EMAIL_OTP with a verified email, SMS_OTP with a verified phone number, WEB_AUTHN with a
    passkey for the pool's relying party; each only if the pool allows that first factor."""
    if pool.tier == LITE:
        return []
    allowed = pool.allowed_first_factors
    found = []
    if "PASSWORD" in allowed:
        found += [PASSWORD_CHALLENGE, PASSWORD_SRP]
    passwordless = not mfa_active(pool, user)
    if passwordless and EMAIL_OTP in allowed and user.verified("email"):
        found.append(EMAIL_OTP)
    if passwordless and SMS_OTP in allowed and user.verified("phone_number"):
        found.append(SMS_OTP)
    if (WEB_AUTHN in allowed and passkeys.usable_passkeys(pool, user)
            and (passwordless or passkey_satisfies_mfa(pool, user))):
        found.append(WEB_AUTHN)
    return found


def configured_factors(pool: Pool, user: User) -> list[str]:
    """GetUserAuthFactors' ConfiguredUserAuthFactors (AuthFactorType values)."""
    factors = []
    for challenge in available_challenges(pool, user):
        factor = "PASSWORD" if challenge in (PASSWORD_CHALLENGE, PASSWORD_SRP) else challenge
        if factor not in factors:
            factors.append(factor)
    return factors


def _unknown_user_challenges(pool: Pool) -> list[str]:
    """What a name that matches no user is offered: the pool's factors minus WEB_AUTHN."""
    if pool.tier == LITE:
        return []
    found = []
    if "PASSWORD" in pool.allowed_first_factors:
        found += [PASSWORD_CHALLENGE, PASSWORD_SRP]
    found += [f for f in (EMAIL_OTP, SMS_OTP) if f in pool.allowed_first_factors]
    return found


# -- the steps -----------------------------------------------------------------------------


def _select_challenge(sign_in: SignIn, available: list[str]) -> dict[str, Any]:
    response = sign_in.challenge(SelectChallengeState(choices=tuple(available)),
                                 {"USERNAME": sign_in.user.username})
    response["AvailableChallenges"] = list(available)
    return response


def begin_factor(sign_in: SignIn, factor: str, answers: dict[str, str]) -> dict[str, Any]:
    """Start (or, with PASSWORD / SRP_A given, take) the first factor ``factor``."""
    user, emulator = sign_in.user, sign_in.emulator
    if factor == PASSWORD_CHALLENGE:
        password = answers.get("PASSWORD")
        if not password:
            return sign_in.challenge(PasswordFactorState(srp=False), {"USERNAME": user.username})
        if not passwords.password_matches(sign_in.pool, user, password):
            raise NotAuthorized(INCORRECT_CREDENTIALS)
        return after_password(sign_in)
    if factor == PASSWORD_SRP:
        srp_a = answers.get("SRP_A")
        if not srp_a:
            return sign_in.challenge(PasswordFactorState(srp=True), {"USERNAME": user.username})
        return password_verifier(emulator, sign_in.pool, sign_in.client, user.username, srp_a,
                                 user, sign_in.device_key)
    if factor in OTP_CODE_KEYS:
        sent = messages.send_code(emulator, sign_in.pool, sign_in.client.client_id, user,
                                  _OTP_MEDIUM[factor], SIGN_IN, messages.AUTHENTICATION,
                                  sign_in.trigger_metadata())
        state = MfaCodeState(method=factor, code=sent.code,
                             expires_at=emulator.now() + MFA_CODE_VALIDITY_SECONDS)
        return sign_in.challenge(state, {"CODE_DELIVERY_DELIVERY_MEDIUM": sent.medium,
                                         "CODE_DELIVERY_DESTINATION": sent.masked})
    if factor == WEB_AUTHN:
        # With MFA active the passkey stands in for it only if it verified the user.
        state_, options = passkeys.request_options(
            sign_in.pool, user, require_user_verification=mfa_active(sign_in.pool, user))
        return sign_in.challenge(state_, {"CREDENTIAL_REQUEST_OPTIONS": options,
                                          "USERNAME": user.username})
    raise InvalidParameter(CHALLENGE_NOT_AVAILABLE)


def answer_select_challenge(sign_in: SignIn, session: AuthSession, state: SelectChallengeState,
                            responses: dict[str, str]) -> dict[str, Any]:
    answer = required_parameter(responses, "ANSWER")
    if answer not in state.choices or answer not in available_challenges(sign_in.pool,
                                                                         sign_in.user):
        raise InvalidParameter(CHALLENGE_NOT_AVAILABLE)
    sign_in.emulator.sessions.consume(session)
    return begin_factor(sign_in, answer, responses)


def answer_password_factor(sign_in: SignIn, session: AuthSession, state: PasswordFactorState,
                           responses: dict[str, str]) -> dict[str, Any]:
    required_parameter(responses, "SRP_A" if state.srp else "PASSWORD")
    sign_in.emulator.sessions.consume(session)
    return begin_factor(sign_in, state.challenge_name, responses)


def answer_web_authn(sign_in: SignIn, session: AuthSession, state: WebAuthnState,
                     responses: dict[str, str]) -> dict[str, Any]:
    credential = required_parameter(responses, "CREDENTIAL")
    emulator = sign_in.emulator
    try:
        passkeys.verify_assertion(sign_in.pool, sign_in.user, state, credential, emulator.now())
    except NotAuthorized:
        emulator.sessions.wrong_answer(session)
        raise
    emulator.sessions.consume(session)
    return sign_in.complete()


# -- names that match no user (PreventUserExistenceErrors ENABLED) ------------------------


def _unknown_user_start(emulator: Emulator, pool: Pool, client: Client, typed: str,
                        preferred: str | None, parameters: dict[str, str]) -> dict[str, Any]:
    offered = _unknown_user_challenges(pool)
    if preferred in offered:
        assert preferred is not None
        return _unknown_user_factor(emulator, pool, client, typed, preferred, parameters)
    if not offered:
        raise NotAuthorized(NO_FIRST_FACTOR)
    response = _unknown_user_challenge(emulator, pool, client, typed,
                                       SelectChallengeState(choices=tuple(offered),
                                                            user_exists=False), {})
    response["AvailableChallenges"] = offered
    return response


def _unknown_user_challenge(emulator: Emulator, pool: Pool, client: Client, typed: str,
                            state: ChallengeState, parameters: dict[str, str]) -> dict[str, Any]:
    session = emulator.sessions.issue(pool_id=pool.id, client_id=client.client_id,
                                      username=typed, state=state,
                                      validity_minutes=client.auth_session_validity)
    return {"ChallengeName": state.challenge_name, "Session": session.token,
            "ChallengeParameters": {"USER_ID_FOR_SRP": typed, "USERNAME": typed, **parameters}}


def _pretended_destination(typed: str, factor: str) -> str:
    digest = hashlib.sha256(typed.encode()).hexdigest()
    if factor == SMS_OTP:
        return delivery.mask_phone("+1555" + str(int(digest, 16))[-7:])
    return delivery.mask_email(typed if "@" in typed else f"{typed}@{digest[:1]}.com")


def _unknown_user_factor(emulator: Emulator, pool: Pool, client: Client, typed: str,
                         factor: str, answers: dict[str, str]) -> dict[str, Any]:
    if factor == PASSWORD_CHALLENGE:
        if answers.get("PASSWORD"):
            raise NotAuthorized(INCORRECT_CREDENTIALS)
        return _unknown_user_challenge(emulator, pool, client, typed,
                                       PasswordFactorState(srp=False, user_exists=False), {})
    if factor == PASSWORD_SRP:
        srp_a = answers.get("SRP_A")
        if not srp_a:
            return _unknown_user_challenge(emulator, pool, client, typed,
                                           PasswordFactorState(srp=True, user_exists=False), {})
        return password_verifier(emulator, pool, client, typed, srp_a, None, None)
    # EMAIL_OTP / SMS_OTP: a challenge like the real one; nothing is sent, no code matches.
    state = MfaCodeState(method=factor, code="", user_exists=False,
                         expires_at=emulator.now() + MFA_CODE_VALIDITY_SECONDS)
    return _unknown_user_challenge(emulator, pool, client, typed, state, {
        "CODE_DELIVERY_DELIVERY_MEDIUM": _OTP_MEDIUM[factor],
        "CODE_DELIVERY_DESTINATION": _pretended_destination(typed, factor)})


def answer_unknown_user(emulator: Emulator, pool: Pool, client: Client, session: AuthSession,
                        responses: dict[str, str]) -> dict[str, Any]:
    """RespondToAuthChallenge for a stand-in challenge: fails as a wrong answer would."""
    state, typed = session.state, session.username
    if isinstance(state, SelectChallengeState):
        answer = required_parameter(responses, "ANSWER")
        if answer not in state.choices:
            raise InvalidParameter(CHALLENGE_NOT_AVAILABLE)
        emulator.sessions.consume(session)
        return _unknown_user_factor(emulator, pool, client, typed, answer, responses)
    if isinstance(state, PasswordFactorState):
        required_parameter(responses, "SRP_A" if state.srp else "PASSWORD")
        emulator.sessions.consume(session)
        return _unknown_user_factor(emulator, pool, client, typed, state.challenge_name,
                                    responses)
    if isinstance(state, MfaCodeState):
        required_parameter(responses, OTP_CODE_KEYS.get(state.method, "EMAIL_OTP_CODE"))
        emulator.sessions.wrong_answer(session)
        raise CodeMismatch(MFA_CODE_MISMATCH)
    emulator.sessions.consume(session)
    raise NotAuthorized(INCORRECT_CREDENTIALS)


def is_stand_in(state: ChallengeState) -> bool:
    return (isinstance(state, SelectChallengeState | PasswordFactorState | MfaCodeState
                       | WebAuthnState) and not state.user_exists)
