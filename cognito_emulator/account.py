"""Self-service account operations: sign-up and its confirmation, forgotten passwords
(ForgotPassword for a name the pool does not know may migrate the user: migration.py)."""

from __future__ import annotations

import hmac
from typing import Any

from cognito_emulator import delivery, migration, passwords
from cognito_emulator.attribute_rules import check_schema
from cognito_emulator.client_auth import check_secret_hash
from cognito_emulator.errors import (
    CODE_EXPIRED,
    USER_CLIENT_NOT_FOUND,
    USER_DISABLED,
    VERIFICATION_CODE_MISMATCH,
    CodeMismatch,
    ExpiredCode,
    InvalidParameter,
    NotAuthorized,
    TooManyFailedAttempts,
    UsernameExists,
    UserNotFound,
    missing_parameter,
)
from cognito_emulator.models import Client, PendingCode, Pool, User
from cognito_emulator.outbox import FORGOT_PASSWORD, SIGN_UP
from cognito_emulator.state import Call, Emulator

SIGN_UP_CODE_VALIDITY_SECONDS = 24 * 3600
RESET_CODE_VALIDITY_SECONDS = 3600
MAX_CODE_ATTEMPTS = 5


def sign_up(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, _client, requested = _account_request(emulator, call)
    password = call.body.get("Password")
    if not password:
        raise InvalidParameter(missing_parameter("Password"))
    internal, implied = emulator.store.internal_username(pool, requested)
    if internal in pool.users:
        raise UsernameExists("User already exists")
    for attribute, value in implied.items():
        if emulator.store.alias_owner(pool, attribute, value, verified_only=False):
            raise UsernameExists(f"An account with the given {attribute} already exists.")
    given = call.body.get("UserAttributes") or []
    attributes = {item["Name"]: item.get("Value", "") for item in given}
    attributes.update(implied)
    check_schema(pool, attributes, require_all=True)
    passwords.check_policy(pool.password_policy, password)
    user = emulator.store.add_user(pool, username=internal, attributes=attributes,
                                   password=password, status="UNCONFIRMED", now=emulator.now())
    response: dict[str, Any] = {"UserConfirmed": False, "UserSub": user.sub}
    details = _send_confirmation(emulator, pool, user)
    if details is not None:
        response["CodeDeliveryDetails"] = details
    return response


def confirm_sign_up(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, client, requested = _account_request(emulator, call)
    user = _existing_user(emulator, pool, client, requested)
    if user.status != "UNCONFIRMED":
        raise NotAuthorized(f"User cannot be confirmed. Current status is {user.status}")
    _check_code(emulator, user.confirmation_code, call.body["ConfirmationCode"])
    user.confirmation_code = None
    user.status = "CONFIRMED"
    for attribute in pool.auto_verified_attributes:
        if attribute in user.attributes:
            user.attributes[f"{attribute}_verified"] = "true"
    user.modified = emulator.now()
    return {}


def resend_confirmation_code(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, client, requested = _account_request(emulator, call)
    user = _existing_user(emulator, pool, client, requested)
    if user.status != "UNCONFIRMED":
        raise InvalidParameter("User is already confirmed.")
    details = _send_confirmation(emulator, pool, user)
    if details is None:
        raise InvalidParameter("Auto verification not turned on.")
    return {"CodeDeliveryDetails": details}


def forgot_password(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, client, requested = _account_request(emulator, call)
    user = emulator.store.find_user(pool, requested)
    if user is None:
        user = migration.at_forgot_password(emulator, call, pool, client, requested)
    if user is None:
        if client.prevent_user_existence_errors == "ENABLED":
            # Pretend a code went out, so the answer does not reveal the user is unknown.
            return {"CodeDeliveryDetails": {"Destination": delivery.mask_email(f"{requested}@x"),
                                            "DeliveryMedium": "EMAIL", "AttributeName": "email"}}
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
    sent = emulator.courier.send_code(pool, user, medium, FORGOT_PASSWORD)
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
    return {}


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


def _send_confirmation(emulator: Emulator, pool: Pool, user: User) -> dict[str, str] | None:
    for attribute, medium in (("email", delivery.EMAIL), ("phone_number", delivery.SMS)):
        if attribute in pool.auto_verified_attributes and attribute in user.attributes:
            sent = emulator.courier.send_code(pool, user, medium, SIGN_UP)
            user.confirmation_code = PendingCode(
                code=sent.code, expires_at=emulator.now() + SIGN_UP_CODE_VALIDITY_SECONDS
            )
            return sent.details(attribute)
    return None


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
