"""UserMigration: a user the pool does not have, fetched from a legacy directory by the pool's
UserMigration trigger and created on the spot.

Cognito asks the trigger when InitiateAuth USER_PASSWORD_AUTH names no user
(``UserMigration_Authentication``, with the password typed: the only moment Cognito ever sees
it in clear, which is why USER_SRP_AUTH and CUSTOM_AUTH can never migrate anyone) and when
ForgotPassword does (``UserMigration_ForgotPassword``, no password). The trigger answers with the
user's attributes; none means "not in the legacy directory either", and the caller gives its
usual unknown-user answer. A migrated user is created as AdminCreateUser would create it (schema
check, aliases, ``forceAliasCreation``), with the typed password, or with an unusable random one
after ForgotPassword, and then the request carries on as for a user that had always been there.

The typed password is not checked against the pool's password policy: it is the one the legacy
system accepted, and the policy governs passwords chosen in Cognito.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cognito_emulator import delivery, triggers
from cognito_emulator.attribute_rules import check_schema, claim_aliases
from cognito_emulator.models import Client, Pool, User
from cognito_emulator.outbox import WELCOME
from cognito_emulator.state import Call, Emulator

AUTHENTICATION = "UserMigration_Authentication"
FORGOT_PASSWORD = "UserMigration_ForgotPassword"  # noqa: S105 - a trigger source
CONFIRMED = "CONFIRMED"
RESET_REQUIRED = "RESET_REQUIRED"
SUPPRESS = "SUPPRESS"
_MEDIUMS = (delivery.EMAIL, delivery.SMS)
# Attributes Cognito sets itself; a trigger's value for them is ignored.
_COGNITO_OWNED = frozenset({"sub"})


@dataclass(frozen=True)
class Migrated:
    """What the trigger answered, checked."""

    attributes: dict[str, str]
    final_status: str | None
    message_action: str | None
    mediums: tuple[str, ...]
    force_alias: bool
    sms_mfa: bool


def at_sign_in(emulator: Emulator, call: Call, pool: Pool, client: Client, typed: str,
               password: str) -> User | None:
    """USER_PASSWORD_AUTH for a name the pool does not know: the migrated user, or None.

    ``finalUserStatus`` CONFIRMED (or none) lets the user sign in with that password at once;
    RESET_REQUIRED makes the sign-in answer PasswordResetRequiredException (the caller's
    usual check of the user's state)."""
    metadata = dict(call.body.get("ClientMetadata") or {})
    # Cognito's documentation: InitiateAuth's ClientMetadata is what reaches validationData.
    answer = _ask(emulator, pool, client, typed, AUTHENTICATION, {
        "password": password, "validationData": dict(metadata), "clientMetadata": metadata,
    })
    if answer is None:
        return None
    return _create(emulator, pool, typed, answer, password, answer.final_status or CONFIRMED)


def at_forgot_password(emulator: Emulator, call: Call, pool: Pool, client: Client,
                       typed: str) -> User | None:
    """ForgotPassword for a name the pool does not know: the migrated user (RESET_REQUIRED,
    no usable password until the code is confirmed), or None."""
    answer = _ask(emulator, pool, client, typed, FORGOT_PASSWORD, {
        "validationData": {}, "clientMetadata": dict(call.body.get("ClientMetadata") or {}),
    })
    if answer is None:
        return None
    unusable = emulator.entropy.alphanumeric(40)
    return _create(emulator, pool, typed, answer, unusable, RESET_REQUIRED)


def _ask(emulator: Emulator, pool: Pool, client: Client, typed: str, source: str,
         request: dict[str, Any]) -> Migrated | None:
    if triggers.configured(pool, triggers.USER_MIGRATION) is None:
        return None
    event = triggers.base_event(pool, source, typed, client.client_id, request, {
        "userAttributes": None, "finalUserStatus": None, "messageAction": None,
        "desiredDeliveryMediums": None, "forceAliasCreation": None, "enableSMSMFA": None,
    })
    # The user does not exist yet: a send_code from this trigger is filed under the typed name.
    response = triggers.invoke(emulator.functions, pool, triggers.USER_MIGRATION, event,
                               emulator.outbox.sender(pool.id, typed, emulator.now))
    return _read(response)


def _read(response: dict[str, Any]) -> Migrated | None:
    attributes = triggers.string_map(response.get("userAttributes"))
    final_status = triggers.optional_string(response.get("finalUserStatus"))
    message_action = triggers.optional_string(response.get("messageAction"))
    mediums = response.get("desiredDeliveryMediums")
    if mediums is None:
        mediums = [delivery.SMS]  # Cognito's default, as for AdminCreateUser
    if final_status not in (None, CONFIRMED, RESET_REQUIRED) or not isinstance(mediums, list) \
            or not all(medium in _MEDIUMS for medium in mediums):
        raise triggers.InvalidLambdaResponse(triggers.INVALID_RESPONSE)
    force_alias = triggers.optional_bool(response.get("forceAliasCreation"))
    sms_mfa = triggers.optional_bool(response.get("enableSMSMFA"))
    if not attributes:
        return None
    return Migrated(attributes=attributes, final_status=final_status,
                    message_action=message_action, mediums=tuple(mediums),
                    force_alias=force_alias, sms_mfa=sms_mfa)


def _create(emulator: Emulator, pool: Pool, typed: str, answer: Migrated, password: str,
            status: str) -> User:
    internal, implied = emulator.store.internal_username(pool, typed)
    attributes = {name: value for name, value in answer.attributes.items()
                  if name not in _COGNITO_OWNED}
    attributes.update(implied)  # the name typed is the user's email / phone: it stays so
    check_schema(pool, attributes, require_all=False)
    claim_aliases(emulator.store, pool, attributes, force=answer.force_alias)
    user = emulator.store.add_user(pool, username=internal, attributes=attributes,
                                   password=password, status=status, now=emulator.now())
    if answer.sms_mfa:
        user.mfa.sms_enabled = True
    if answer.message_action != SUPPRESS:
        _welcome(emulator, pool, user, answer.mediums)
    return user


def _welcome(emulator: Emulator, pool: Pool, user: User, mediums: tuple[str, ...]) -> None:
    """The welcome message Cognito sends a migrated user unless told to SUPPRESS it; it carries
    no code (the outbox entry's ``code`` is empty)."""
    for medium in mediums:
        attribute = "phone_number" if medium == delivery.SMS else "email"
        if attribute in user.attributes:
            emulator.courier.send_code(pool, user, medium, WELCOME, code="")
