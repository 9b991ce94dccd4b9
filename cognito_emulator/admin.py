"""Admin (IAM-signed) operations: pools, app clients and users.

Signatures are not verified: any SigV4 signature, from any dummy credentials, is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cognito_emulator import delivery, passwords, triggers
from cognito_emulator.attribute_rules import check_schema, claim_aliases
from cognito_emulator.errors import (
    AliasExists,
    InvalidParameter,
    NotAuthorized,
    ResourceNotFound,
    UsernameExists,
)
from cognito_emulator.models import Client, Pool, User
from cognito_emulator.outbox import INVITATION
from cognito_emulator.pool_store import configure_mfa, mfa_config, sign_in_policy
from cognito_emulator.state import Call, Emulator
from cognito_emulator.user_self import apply_mfa_preference, mfa_view

# -- pools -----------------------------------------------------------------------------------


def pool_view(pool: Pool) -> dict[str, Any]:
    view: dict[str, Any] = {
        **pool.extra,
        "Id": pool.id,
        "Name": pool.name,
        "Arn": pool.arn,
        "CreationDate": pool.created,
        "LastModifiedDate": pool.modified,
        "Policies": {"PasswordPolicy": pool.password_policy.to_model(),
                     "SignInPolicy": sign_in_policy(pool)},
        "UserPoolTier": pool.tier,
        "MfaConfiguration": pool.mfa_configuration,
        "SchemaAttributes": [attribute.to_model() for attribute in pool.schema.values()],
        "EstimatedNumberOfUsers": len(pool.users),
    }
    for member, value in (("UsernameAttributes", pool.username_attributes),
                          ("AliasAttributes", pool.alias_attributes),
                          ("AutoVerifiedAttributes", pool.auto_verified_attributes)):
        if value:
            view[member] = value
    if pool.device_configuration is not None:
        view["DeviceConfiguration"] = pool.device_configuration.to_model()
    return view


def create_user_pool(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool = emulator.store.create_pool(call.body, now=emulator.now(), region=call.region)
    return {"UserPool": pool_view(pool)}


def describe_user_pool(emulator: Emulator, call: Call) -> dict[str, Any]:
    return {"UserPool": pool_view(emulator.store.pool(call.body["UserPoolId"]))}


def update_user_pool(emulator: Emulator, call: Call) -> dict[str, Any]:
    emulator.store.update_pool(call.body, now=emulator.now())
    return {}


def get_user_pool_mfa_config(emulator: Emulator, call: Call) -> dict[str, Any]:
    return mfa_config(emulator.store.pool(call.body["UserPoolId"]))


def delete_user_pool(emulator: Emulator, call: Call) -> dict[str, Any]:
    emulator.store.delete_pool(call.body["UserPoolId"])
    return {}


def set_user_pool_mfa_config(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool = emulator.store.pool(call.body["UserPoolId"])
    configure_mfa(pool, call.body)
    pool.modified = emulator.now()
    return mfa_config(pool)


# -- app clients -----------------------------------------------------------------------------


def client_view(client: Client) -> dict[str, Any]:
    view: dict[str, Any] = {
        **client.extra,
        "UserPoolId": client.pool_id,
        "ClientName": client.name,
        "ClientId": client.client_id,
        "CreationDate": client.created,
        "LastModifiedDate": client.modified or client.created,
        "RefreshTokenValidity": client.refresh_token_validity,
        "AccessTokenValidity": client.access_token_validity,
        "IdTokenValidity": client.id_token_validity,
        "TokenValidityUnits": client.token_validity_units,
        "AuthSessionValidity": client.auth_session_validity,
        "EnablePropagateAdditionalUserContextData": client.propagate_user_context,
        "PreventUserExistenceErrors": client.prevent_user_existence_errors,
        "EnableTokenRevocation": client.enable_token_revocation,
        "RefreshTokenRotation": client.rotation_view(),
    }
    if client.secret is not None:
        view["ClientSecret"] = client.secret
    if client.explicit_auth_flows:
        view["ExplicitAuthFlows"] = client.explicit_auth_flows
    return view


def create_user_pool_client(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool = emulator.store.pool(call.body["UserPoolId"])
    client = emulator.store.create_client(pool, call.body, now=emulator.now())
    return {"UserPoolClient": client_view(client)}


def update_user_pool_client(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool = emulator.store.pool(call.body["UserPoolId"])
    client = emulator.store.update_client(pool, call.body, now=emulator.now())
    return {"UserPoolClient": client_view(client)}


def describe_user_pool_client(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool = emulator.store.pool(call.body["UserPoolId"])
    client = pool.clients.get(call.body["ClientId"])
    if client is None:
        raise ResourceNotFound(f"User pool client {call.body['ClientId']} does not exist.")
    return {"UserPoolClient": client_view(client)}


# -- users -----------------------------------------------------------------------------------


def user_view(user: User, names: list[str] | None = None) -> dict[str, Any]:
    """UserType, as AdminCreateUser and ListUsers return it."""
    return {
        "Username": user.username,
        "Attributes": user.attribute_list(names),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status,
    }


def target_user(emulator: Emulator, call: Call) -> tuple[Pool, User]:
    pool = emulator.store.pool(call.body["UserPoolId"])
    call.record.username = call.body["Username"]
    return pool, emulator.store.require_user(pool, call.body["Username"])


def admin_create_user(emulator: Emulator, call: Call) -> dict[str, Any]:
    body = call.body
    pool = emulator.store.pool(body["UserPoolId"])
    requested = body["Username"]
    call.record.username = requested
    now = emulator.now()
    temporary = body.get("TemporaryPassword") or passwords.generate(
        pool.password_policy, emulator.entropy.alphanumeric(12)
    )
    passwords.check_policy(pool.password_policy, temporary)
    if body.get("MessageAction") == "RESEND":
        user = emulator.store.require_user(pool, requested)
        if user.status != "FORCE_CHANGE_PASSWORD":
            raise InvalidParameter(
                "Resend is not possible. User is not in FORCE_CHANGE_PASSWORD state."
            )
        passwords.set_password(pool, user, temporary, emulator.entropy.salt(), now)
    else:
        user = _new_user(emulator, pool, requested, body, temporary)
    if body.get("MessageAction") != "SUPPRESS":
        _invite(emulator, pool, user, body.get("DesiredDeliveryMediums") or ["SMS"], temporary)
    return {"User": user_view(user)}


def _new_user(emulator: Emulator, pool: Pool, requested: str, body: dict[str, Any],
              temporary: str) -> User:
    internal, implied = emulator.store.internal_username(pool, requested)
    taken = internal in pool.users or any(
        emulator.store.alias_owner(pool, name, value, verified_only=False)
        for name, value in implied.items()
    )
    if taken:
        raise UsernameExists("User account already exists")
    attributes = {item["Name"]: item.get("Value", "") for item in body.get("UserAttributes") or []}
    attributes.update(implied)
    check_schema(pool, attributes, require_all=False)
    claim_aliases(emulator.store, pool, attributes, force=bool(body.get("ForceAliasCreation")))
    return emulator.store.add_user(pool, username=internal, attributes=attributes,
                                   password=temporary, status="FORCE_CHANGE_PASSWORD",
                                   now=emulator.now())


def _invite(emulator: Emulator, pool: Pool, user: User, mediums: list[str],
            temporary: str) -> None:
    for medium in mediums:
        attribute = "phone_number" if medium == delivery.SMS else "email"
        if attribute in user.attributes:
            emulator.courier.send_code(pool, user, medium, INVITATION, code=temporary)


def admin_set_user_password(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = target_user(emulator, call)
    password = call.body["Password"]
    passwords.check_policy(pool.password_policy, password)
    passwords.set_password(pool, user, password, emulator.entropy.salt(), emulator.now())
    user.status = "CONFIRMED" if call.body.get("Permanent") else "FORCE_CHANGE_PASSWORD"
    user.modified = emulator.now()
    return {}


def admin_get_user(emulator: Emulator, call: Call) -> dict[str, Any]:
    _pool, user = target_user(emulator, call)
    return {
        "Username": user.username,
        "UserAttributes": user.attribute_list(),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status,
        **mfa_view(user),
    }


def admin_delete_user(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = target_user(emulator, call)
    emulator.tokens.sign_out_everywhere(pool.id, user.username)
    del pool.users[user.username]
    return {}


def admin_update_user_attributes(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = target_user(emulator, call)
    updates = {item["Name"]: item.get("Value", "") for item in call.body["UserAttributes"]}
    check_schema(pool, updates, require_all=False)
    for name in updates:
        if not pool.schema[name].mutable:
            raise InvalidParameter(f"Cannot modify the non-mutable attribute {name}")
    for name in ("email", "phone_number"):
        changed = name in updates and updates[name] != user.attributes.get(name)
        if changed and f"{name}_verified" not in updates:
            # A new address is unverified until proven, unless the admin says otherwise.
            updates[f"{name}_verified"] = "false"
    for name in pool.alias_attributes:
        if name in updates and emulator.store.alias_owner(pool, name, updates[name],
                                                          verified_only=True, exclude=user):
            raise AliasExists(f"An account with the given {name} already exists.")
    user.attributes.update(updates)
    user.modified = emulator.now()
    return {}


def admin_set_user_mfa_preference(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = target_user(emulator, call)
    apply_mfa_preference(pool, user, call.body)
    user.modified = emulator.now()
    return {}


def admin_confirm_sign_up(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = target_user(emulator, call)
    if user.status != "UNCONFIRMED":
        raise NotAuthorized(f"User cannot be confirmed. Current status is {user.status}")
    user.status = "CONFIRMED"
    user.confirmation_code = None
    user.modified = emulator.now()
    triggers.post_confirmation(emulator.functions, pool, triggers.NO_CLIENT, user,
                               "PostConfirmation_ConfirmSignUp",
                               dict(call.body.get("ClientMetadata") or {}),
                               emulator.outbox.sender(pool.id, user.username, emulator.now))
    return {}


def admin_disable_user(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = target_user(emulator, call)
    user.enabled = False
    # Disabling a user also invalidates the tokens it holds.
    emulator.tokens.sign_out_everywhere(pool.id, user.username)
    user.modified = emulator.now()
    return {}


def admin_enable_user(emulator: Emulator, call: Call) -> dict[str, Any]:
    _pool, user = target_user(emulator, call)
    user.enabled = True
    user.modified = emulator.now()
    return {}


# -- ListUsers -------------------------------------------------------------------------------

_FILTER = re.compile(r'^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$')
_FILTERABLE = frozenset({
    "username", "email", "phone_number", "name", "given_name", "family_name",
    "preferred_username", "cognito:user_status", "status", "sub",
})


def list_users(emulator: Emulator, call: Call) -> dict[str, Any]:
    body = call.body
    pool = emulator.store.pool(body["UserPoolId"])
    matches = _filter(body.get("Filter") or "")
    users = [user for user in pool.users.values() if matches(user)]
    start = _page_start(body.get("PaginationToken"))
    limit = body.get("Limit") or 60
    page = users[start : start + limit]
    response: dict[str, Any] = {
        "Users": [user_view(user, body.get("AttributesToGet")) for user in page]
    }
    if start + limit < len(users):
        response["PaginationToken"] = str(start + limit)
    return response


def _page_start(token: str | None) -> int:
    if token is None:
        return 0
    if not token.isdigit():
        raise InvalidParameter("Invalid pagination token.")
    return int(token)


def _filter(text: str) -> Callable[[User], bool]:
    if not text.strip():
        return lambda user: True
    match = _FILTER.match(text)
    if match is None or match.group(1) not in _FILTERABLE:
        raise InvalidParameter("Error while parsing filter.")
    name, operator, wanted = match.group(1), match.group(2), match.group(3).replace('\\"', '"')

    def value_of(user: User) -> str:
        if name == "username":
            return user.username
        if name == "cognito:user_status":
            return user.status
        if name == "status":
            return "Enabled" if user.enabled else "Disabled"
        return user.attributes.get(name, "")

    if operator == "=":
        return lambda user: value_of(user) == wanted
    return lambda user: value_of(user).startswith(wanted)
