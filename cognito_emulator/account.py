"""Self-service account operations: sign-up and its confirmation, forgotten passwords
(ForgotPassword for a name the pool does not know may migrate the user: migration.py).

SignUp runs the pool's PreSignUp trigger before the user exists (it may confirm the user and
verify its email / phone); ConfirmSignUp and ConfirmForgotPassword run PostConfirmation once
the user is confirmed; every code goes out through messages.py (CustomMessage).

Signing in right after sign-up: for a client that allows USER_AUTH (pool not LITE), SignUp
returns a ``Session``. Given to ConfirmSignUp it is spent and ConfirmSignUp returns a new one,
which InitiateAuth USER_AUTH (``Session`` + ``USERNAME``) takes as the first factor
(user_auth.py). A user PreSignUp confirmed can use SignUp's Session for that straight away.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from cognito_emulator import delivery, messages, migration, passwords, triggers
from cognito_emulator.attribute_rules import check_schema, claim_aliases
from cognito_emulator.auth_sessions import AuthSession
from cognito_emulator.challenge_state import SignUpState
from cognito_emulator.client_auth import check_secret_hash
from cognito_emulator.errors import (
    ATTEMPT_LIMIT,
    CODE_EXPIRED,
    SESSION_INVALID,
    USER_CLIENT_NOT_FOUND,
    USER_DISABLED,
    VERIFICATION_CODE_MISMATCH,
    CodeMismatch,
    ExpiredCode,
    InvalidParameter,
    LimitExceeded,
    NotAuthorized,
    TooManyFailedAttempts,
    UsernameExists,
    UserNotFound,
    missing_parameter,
)
from cognito_emulator.models import LITE, Client, PendingCode, Pool, User
from cognito_emulator.outbox import FORGOT_PASSWORD, SIGN_UP
from cognito_emulator.pool_store import DEFAULT_FLOWS
from cognito_emulator.state import Call, Emulator

SIGN_UP_CODE_VALIDITY_SECONDS = 24 * 3600
RESET_CODE_VALIDITY_SECONDS = 3600
MAX_CODE_ATTEMPTS = 5
# ResendConfirmationCode: this many per user within RESEND_WINDOW_SECONDS, then
# LimitExceededException (Cognito's numbers are undocumented; the emulator's choice).
MAX_RESENDS = 5
RESEND_WINDOW_SECONDS = 3600
CONFIRM_SOURCE = "PostConfirmation_ConfirmSignUp"
RESET_SOURCE = "PostConfirmation_ConfirmForgotPassword"


def sign_up(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, client, requested = _account_request(emulator, call)
    password = call.body.get("Password")
    if not password:
        raise InvalidParameter(missing_parameter("Password"))
    internal, implied = emulator.store.internal_username(pool, requested)
    if internal in pool.users:
        # Also with PreventUserExistenceErrors ENABLED: Cognito documents that SignUp still
        # says the name is taken.
        raise UsernameExists("User already exists")
    for attribute, value in implied.items():
        if emulator.store.alias_owner(pool, attribute, value, verified_only=False):
            raise UsernameExists(f"An account with the given {attribute} already exists.")
    attributes = _attribute_map(call.body.get("UserAttributes"))
    attributes.update(implied)
    check_schema(pool, attributes, require_all=True)
    passwords.check_policy(pool.password_policy, password)
    metadata = dict(call.body.get("ClientMetadata") or {})
    answer = triggers.pre_sign_up(
        emulator.functions, pool, client.client_id, internal, attributes,
        _attribute_map(call.body.get("ValidationData")), metadata,
        emulator.outbox.sender(pool.id, internal, emulator.now))
    status = "UNCONFIRMED"
    if answer is not None:
        if answer.auto_confirm_user:
            status = "CONFIRMED"
        for attribute, wanted in (("email", answer.auto_verify_email),
                                  ("phone_number", answer.auto_verify_phone)):
            if wanted and attribute in attributes:
                attributes[f"{attribute}_verified"] = "true"
        claim_aliases(emulator.store, pool, attributes, force=False)
    user = emulator.store.add_user(pool, username=internal, attributes=attributes,
                                   password=password, status=status, now=emulator.now())
    response: dict[str, Any] = {"UserConfirmed": status == "CONFIRMED", "UserSub": user.sub}
    if status == "UNCONFIRMED":
        details = _send_confirmation(emulator, pool, client, user, messages.SIGN_UP, metadata)
        if details is not None:
            response["CodeDeliveryDetails"] = details
    if _signs_in_after_sign_up(pool, client):
        confirmed = status == "CONFIRMED"
        response["Session"] = _sign_up_session(emulator, pool, client, user, confirmed).token
    return response


def confirm_sign_up(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, client, requested = _account_request(emulator, call)
    user = _existing_user(emulator, pool, client, requested)
    if user.status != "UNCONFIRMED":
        raise NotAuthorized(f"User cannot be confirmed. Current status is {user.status}")
    given = call.body.get("Session")
    session = None if given is None else _unconfirmed_session(emulator, client, user, given)
    _check_code(emulator, user.confirmation_code, call.body["ConfirmationCode"])
    newly = [attribute for attribute in pool.auto_verified_attributes
             if attribute in user.attributes and not user.verified(attribute)]
    verified = {f"{attribute}_verified": "true" for attribute in newly}
    # A newly verified email / phone alias another user holds: AliasExistsException, unless
    # ForceAliasCreation moves it here.
    claim_aliases(emulator.store, pool,
                  {**{attribute: user.attributes[attribute] for attribute in newly}, **verified},
                  force=bool(call.body.get("ForceAliasCreation")))
    user.confirmation_code = None
    user.status = "CONFIRMED"
    user.attributes.update(verified)
    user.modified = emulator.now()
    response: dict[str, Any] = {}
    if session is not None:
        emulator.sessions.consume(session)
        response["Session"] = _sign_up_session(emulator, pool, client, user, True).token
    # Cognito has confirmed the user before it runs PostConfirmation: a failing trigger is
    # the answer, but the user stays confirmed.
    triggers.post_confirmation(emulator.functions, pool, client.client_id, user, CONFIRM_SOURCE,
                               dict(call.body.get("ClientMetadata") or {}),
                               emulator.outbox.sender(pool.id, user.username, emulator.now))
    return response


def resend_confirmation_code(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, client, requested = _account_request(emulator, call)
    user = emulator.store.find_user(pool, requested)
    if user is None:
        if client.prevent_user_existence_errors == "ENABLED":
            return {"CodeDeliveryDetails": _pretended_delivery(pool, requested)}
        raise UserNotFound(USER_CLIENT_NOT_FOUND)
    if user.status != "UNCONFIRMED":
        raise InvalidParameter("User is already confirmed.")
    now = emulator.now()
    user.resent_at = [at for at in user.resent_at if now - at < RESEND_WINDOW_SECONDS]
    if len(user.resent_at) >= MAX_RESENDS:
        raise LimitExceeded(ATTEMPT_LIMIT)
    details = _send_confirmation(emulator, pool, client, user, messages.RESEND_CODE,
                                 dict(call.body.get("ClientMetadata") or {}))
    if details is None:
        raise InvalidParameter("Auto verification not turned on.")
    user.resent_at.append(now)
    return {"CodeDeliveryDetails": details}


def forgot_password(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, client, requested = _account_request(emulator, call)
    user = emulator.store.find_user(pool, requested)
    if user is None:
        user = migration.at_forgot_password(emulator, call, pool, client, requested)
    if user is None:
        if client.prevent_user_existence_errors == "ENABLED":
            # Pretend a code went out, so the answer does not reveal the user is unknown.
            return {"CodeDeliveryDetails": _pretended_delivery(pool, requested)}
        raise UserNotFound(USER_CLIENT_NOT_FOUND)
    if not user.enabled:
        raise NotAuthorized(USER_DISABLED)
    if user.verified("email"):
        medium, attribute = delivery.EMAIL, "email"
    elif user.verified("phone_number"):
        medium, attribute = delivery.SMS, "phone_number"
    else:
        raise InvalidParameter(
            "Cannot reset password for the user as there is no registered/verified email or "
            "phone_number"
        )
    sent = messages.send_code(emulator, pool, client.client_id, user, medium, FORGOT_PASSWORD,
                              messages.FORGOT_PASSWORD,
                              dict(call.body.get("ClientMetadata") or {}))
    user.reset_code = PendingCode(code=sent.code,
                                  expires_at=emulator.now() + RESET_CODE_VALIDITY_SECONDS)
    return {"CodeDeliveryDetails": sent.details(attribute)}


def confirm_forgot_password(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, client, requested = _account_request(emulator, call)
    user = _existing_user(emulator, pool, client, requested)
    _check_code(emulator, user.reset_code, call.body["ConfirmationCode"])
    password = call.body["Password"]
    passwords.check_policy(pool.password_policy, password)
    user.reset_code = None
    passwords.set_password(pool, user, password, emulator.entropy.salt(), emulator.now())
    if user.status in ("RESET_REQUIRED", "FORCE_CHANGE_PASSWORD"):
        user.status = "CONFIRMED"
    user.modified = emulator.now()
    triggers.post_confirmation(emulator.functions, pool, client.client_id, user, RESET_SOURCE,
                               dict(call.body.get("ClientMetadata") or {}),
                               emulator.outbox.sender(pool.id, user.username, emulator.now))
    return {}


def sign_in_session(emulator: Emulator, client: Client, user: User, token: str) -> AuthSession:
    """InitiateAuth USER_AUTH's ``Session``: a sign-up Session of this client and user, issued
    once the user was confirmed; else NotAuthorizedException (Cognito's session messages)."""
    session = emulator.sessions.resolve(token)
    state = session.state
    if (not isinstance(state, SignUpState) or not state.confirmed
            or session.client_id != client.client_id or session.username != user.username):
        raise NotAuthorized(SESSION_INVALID)
    return session


def _attribute_map(given: list[dict[str, str]] | None) -> dict[str, str]:
    return {item["Name"]: item.get("Value", "") for item in given or []}


def _signs_in_after_sign_up(pool: Pool, client: Client) -> bool:
    flows = client.explicit_auth_flows or list(DEFAULT_FLOWS)
    return pool.tier != LITE and "ALLOW_USER_AUTH" in flows


def _sign_up_session(emulator: Emulator, pool: Pool, client: Client, user: User,
                     confirmed: bool) -> AuthSession:
    # Waiting for the code: as long as the code lasts. Confirmed: the client's
    # AuthSessionValidity, like any sign-in step.
    minutes = (client.auth_session_validity if confirmed
               else SIGN_UP_CODE_VALIDITY_SECONDS // 60)
    return emulator.sessions.issue(pool_id=pool.id, client_id=client.client_id,
                                   username=user.username, state=SignUpState(confirmed=confirmed),
                                   validity_minutes=minutes)


def _unconfirmed_session(emulator: Emulator, client: Client, user: User,
                         token: str) -> AuthSession:
    session = emulator.sessions.resolve(token)
    state = session.state
    if (not isinstance(state, SignUpState) or state.confirmed
            or session.client_id != client.client_id or session.username != user.username):
        raise NotAuthorized(SESSION_INVALID)
    return session


def _account_request(emulator: Emulator, call: Call) -> tuple[Pool, Client, str]:
    pool, client = emulator.store.client(call.body["ClientId"])
    call.caller(client)
    requested = call.body["Username"]
    call.record.username = requested
    check_secret_hash(client, requested, call.body.get("SecretHash"))
    return pool, client, requested


def _existing_user(emulator: Emulator, pool: Pool, client: Client, requested: str) -> User:
    user = emulator.store.find_user(pool, requested)
    if user is None:
        if client.prevent_user_existence_errors == "ENABLED":
            raise CodeMismatch(VERIFICATION_CODE_MISMATCH)
        raise UserNotFound(USER_CLIENT_NOT_FOUND)
    return user


def _pretended_delivery(pool: Pool, typed: str) -> dict[str, str]:
    """CodeDeliveryDetails for a name that matches no user (PreventUserExistenceErrors
    ENABLED): where a code would plausibly have gone. Nothing is sent."""
    digest = hashlib.sha256(typed.encode()).hexdigest()
    if "phone_number" in pool.auto_verified_attributes and "email" not in \
            pool.auto_verified_attributes:
        number = typed if typed.startswith("+") else "+1555" + str(int(digest, 16))[-7:]
        return {"Destination": delivery.mask_phone(number), "DeliveryMedium": delivery.SMS,
                "AttributeName": "phone_number"}
    letter = "abcdefghijklmnopqrstuvwxyz"[int(digest, 16) % 26]
    address = typed if "@" in typed else f"{typed}@{letter}.com"
    return {"Destination": delivery.mask_email(address), "DeliveryMedium": delivery.EMAIL,
            "AttributeName": "email"}


def _send_confirmation(emulator: Emulator, pool: Pool, client: Client, user: User, source: str,
                       metadata: dict[str, str]) -> dict[str, str] | None:
    for attribute, medium in (("email", delivery.EMAIL), ("phone_number", delivery.SMS)):
        if attribute in pool.auto_verified_attributes and attribute in user.attributes:
            sent = messages.send_code(emulator, pool, client.client_id, user, medium, SIGN_UP,
                                      source, metadata)
            user.confirmation_code = PendingCode(
                code=sent.code, expires_at=emulator.now() + SIGN_UP_CODE_VALIDITY_SECONDS
            )
            return sent.details(attribute)
    return None


def check_code(emulator: Emulator, pending: PendingCode | None, code: str) -> None:
    """A sign-up, reset or attribute-verification code typed back."""
    _check_code(emulator, pending, code)


def _check_code(emulator: Emulator, pending: PendingCode | None, code: str) -> None:
    if pending is None:
        raise CodeMismatch(VERIFICATION_CODE_MISMATCH)
    if pending.attempts >= MAX_CODE_ATTEMPTS:
        raise TooManyFailedAttempts("Too many failed attempts. Request a new code.")
    if emulator.now() >= pending.expires_at:
        raise ExpiredCode(CODE_EXPIRED)
    if not hmac.compare_digest(pending.code.encode(), code.encode()):
        pending.attempts += 1
        raise CodeMismatch(VERIFICATION_CODE_MISMATCH)
