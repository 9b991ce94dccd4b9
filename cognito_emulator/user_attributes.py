"""A signed-in user's own attributes and account: UpdateUserAttributes,
GetUserAttributeVerificationCode, VerifyUserAttribute, DeleteUser (all with an access token).

A changed email / phone number is unverified until VerifyUserAttribute takes the code sent to
it (sent when the pool auto-verifies that attribute, or on request). With the pool's
``UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate`` naming it, a change
of a *verified* email / phone number is kept back instead: the old value (still verified, still
the sign-in alias) stays until the new one is verified, and the code goes to the new one.
"""

from __future__ import annotations

import hmac
from typing import Any

from cognito_emulator import delivery, messages
from cognito_emulator.account import SIGN_UP_CODE_VALIDITY_SECONDS
from cognito_emulator.attribute_rules import check_schema
from cognito_emulator.errors import (
    ATTEMPT_LIMIT,
    CODE_EXPIRED,
    UNAUTHORIZED_ATTRIBUTE,
    VERIFICATION_CODE_MISMATCH,
    AliasExists,
    CodeMismatch,
    ExpiredCode,
    InvalidParameter,
    LimitExceeded,
    NotAuthorized,
)
from cognito_emulator.models import PendingCode, Pool, User
from cognito_emulator.outbox import VERIFY_ATTRIBUTE
from cognito_emulator.state import Call, Emulator
from cognito_emulator.user_self import signed_in_user

VERIFIABLE = {"email": delivery.EMAIL, "phone_number": delivery.SMS}
# Wrong codes allowed per sent code before VerifyUserAttribute answers LimitExceededException.
MAX_VERIFY_ATTEMPTS = 5
ATTRIBUTE_CODE_VALIDITY_SECONDS = SIGN_UP_CODE_VALIDITY_SECONDS


def update_user_attributes(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = signed_in_user(emulator, call)
    updates = {item["Name"]: item.get("Value", "") for item in call.body["UserAttributes"]}
    for name in updates:
        if name in ("email_verified", "phone_number_verified"):
            # Not writable by app clients; only a code (or an admin) verifies an address.
            raise NotAuthorized(UNAUTHORIZED_ATTRIBUTE)
    check_schema(pool, updates, require_all=False)
    for name in updates:
        if not pool.schema[name].mutable:
            raise InvalidParameter(f"Cannot modify the non-mutable attribute {name}")
    for name in pool.username_attributes:
        if name in updates and emulator.store.alias_owner(pool, name, updates[name],
                                                          verified_only=False, exclude=user):
            raise AliasExists(f"An account with the given {name} already exists.")
    metadata = dict(call.body.get("ClientMetadata") or {})
    client_id = call.record.client_id
    kept_back = _kept_back(pool)
    sent: list[dict[str, str]] = []
    for name, medium in VERIFIABLE.items():
        if name not in updates:
            continue
        value = updates.pop(name)
        if value == user.attributes.get(name):
            user.pending_attributes.pop(name, None)  # asked for what it already is
            continue
        if name in kept_back and user.verified(name):
            user.pending_attributes[name] = value
            sent.append(_send(emulator, pool, client_id, user, name, medium,
                              messages.UPDATE_USER_ATTRIBUTE, metadata))
            continue
        user.pending_attributes.pop(name, None)
        user.attribute_codes.pop(name, None)
        user.attributes[name] = value
        user.attributes[f"{name}_verified"] = "false"
        if name in pool.auto_verified_attributes:
            sent.append(_send(emulator, pool, client_id, user, name, medium,
                              messages.UPDATE_USER_ATTRIBUTE, metadata))
    user.attributes.update(updates)
    user.modified = emulator.now()
    return {"CodeDeliveryDetailsList": sent} if sent else {}


def get_user_attribute_verification_code(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = signed_in_user(emulator, call)
    name = call.body["AttributeName"]
    medium = VERIFIABLE.get(name)
    if medium is None:
        raise InvalidParameter(f"Invalid attribute name: {name} cannot be verified.")
    if name not in user.pending_attributes and not user.attributes.get(name):
        raise InvalidParameter(f"User has no {name} to verify.")
    details = _send(emulator, pool, call.record.client_id, user, name, medium,
                    messages.VERIFY_USER_ATTRIBUTE, dict(call.body.get("ClientMetadata") or {}))
    return {"CodeDeliveryDetails": details}


def verify_user_attribute(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = signed_in_user(emulator, call)
    name = call.body["AttributeName"]
    pending = user.attribute_codes.get(name)
    if pending is None:
        raise CodeMismatch(VERIFICATION_CODE_MISMATCH)
    if pending.attempts >= MAX_VERIFY_ATTEMPTS:
        raise LimitExceeded(ATTEMPT_LIMIT)
    if emulator.now() >= pending.expires_at:
        raise ExpiredCode(CODE_EXPIRED)
    if not hmac.compare_digest(pending.code.encode(), call.body["Code"].encode()):
        pending.attempts += 1
        raise CodeMismatch(VERIFICATION_CODE_MISMATCH)
    value = user.pending_attributes.get(name, user.attributes.get(name, ""))
    if (name in pool.alias_attributes or name in pool.username_attributes) and \
            emulator.store.alias_owner(pool, name, value, verified_only=True, exclude=user):
        raise AliasExists(f"An account with the given {name} already exists.")
    user.attributes[name] = value
    user.attributes[f"{name}_verified"] = "true"
    user.pending_attributes.pop(name, None)
    del user.attribute_codes[name]
    user.modified = emulator.now()
    return {}


def delete_user(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = signed_in_user(emulator, call)
    emulator.tokens.sign_out_everywhere(pool.id, user.username)
    del pool.users[user.username]
    return {}


def _kept_back(pool: Pool) -> list[str]:
    settings = pool.extra.get("UserAttributeUpdateSettings") or {}
    return list(settings.get("AttributesRequireVerificationBeforeUpdate") or [])


def _send(emulator: Emulator, pool: Pool, client_id: str | None, user: User, name: str,
          medium: str, source: str, metadata: dict[str, str]) -> dict[str, str]:
    """A verification code for ``name``'s pending value if any, else its current one."""
    destination = user.pending_attributes.get(name) or user.attributes[name]
    sent = messages.send_code(emulator, pool, client_id, user, medium, VERIFY_ATTRIBUTE, source,
                              metadata, destination=destination)
    user.attribute_codes[name] = PendingCode(
        code=sent.code, expires_at=emulator.now() + ATTRIBUTE_CODE_VALIDITY_SECONDS)
    return sent.details(name)
