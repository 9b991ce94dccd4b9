"""InitiateAuth: USER_SRP_AUTH, USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH and CUSTOM_AUTH
(custom_auth.py).

The first step of a sign-in: which flows the client allows, SECRET_HASH over the name typed,
who the user is, whether they may sign in at all; then the SRP challenge, the password check or
the refresh. USER_PASSWORD_AUTH for a name the pool does not know first asks the pool's
UserMigration trigger, if it has one (migration.py). A ``DEVICE_KEY`` is carried along: after
the password a remembered device may answer instead of MFA (auth_steps.py); an unknown one is
ignored.
"""

from __future__ import annotations

from typing import Any

from cognito_emulator import custom_auth, migration, passwords, refresh, triggers, user_auth
from cognito_emulator.auth_steps import SignIn, after_password, password_verifier, refuse_unusable
from cognito_emulator.client_auth import check_secret_hash
from cognito_emulator.errors import (
    INCORRECT_CREDENTIALS,
    ROTATION_NEEDS_GET_TOKENS,
    USER_DOES_NOT_EXIST,
    InvalidParameter,
    NotAuthorized,
    UserNotFound,
    required_parameter,
)
from cognito_emulator.models import Client, Pool
from cognito_emulator.pool_store import DEFAULT_FLOWS, LEGACY_FLOWS
from cognito_emulator.state import Call, Emulator
from cognito_emulator.user_context import refuse_blocked_ip

_ALLOW_FLAG = {
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
    "USER_AUTH": "ALLOW_USER_AUTH",
}


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
    if flow == "USER_AUTH":
        return user_auth.start(emulator, call, pool, client, context, parameters)

    username = required_parameter(parameters, "USERNAME")
    call.record.username = username
    check_secret_hash(client, username, parameters.get("SECRET_HASH"))
    srp_a = required_parameter(parameters, "SRP_A") if flow == "USER_SRP_AUTH" else None
    password = required_parameter(parameters, "PASSWORD") if flow == "USER_PASSWORD_AUTH" else None

    user = emulator.store.find_user(pool, username)
    if user is None and password is not None:
        # Only a typed password can be handed to UserMigration (migration.py).
        user = migration.at_sign_in(emulator, call, pool, client, username, password)
    if user is None:
        if client.prevent_user_existence_errors != "ENABLED":
            raise UserNotFound(USER_DOES_NOT_EXIST)
        if srp_a is not None:
            # Answer as if the user existed, so the reply does not reveal that it does not.
            return password_verifier(emulator, pool, client, username, srp_a, None, None)
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    refuse_unusable(user)
    refuse_blocked_ip(pool, context)
    device_key = parameters.get("DEVICE_KEY") or None
    triggers.pre_authentication(emulator.functions, pool, client.client_id, user,
                                dict(body.get("ClientMetadata") or {}),
                                emulator.outbox.sender(pool.id, user.username, emulator.now))
    if flow == "CUSTOM_AUTH":
        return custom_auth.start(SignIn(emulator, call, pool, client, user, context,
                                        device_key=device_key), parameters)
    if srp_a is not None:
        return password_verifier(emulator, pool, client, username, srp_a, user, device_key)
    assert password is not None
    if not passwords.password_matches(pool, user, password):
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    return after_password(SignIn(emulator, call, pool, client, user, context,
                                 device_key=device_key))


def _flow_enabled(client: Client, flow: str) -> bool:
    flows = client.explicit_auth_flows or list(DEFAULT_FLOWS)
    if LEGACY_FLOWS.intersection(flows):
        if "CUSTOM_AUTH_FLOW_ONLY" in flows:
            return flow in ("CUSTOM_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
        return flow != "USER_PASSWORD_AUTH" or "USER_PASSWORD_AUTH" in flows
    return _ALLOW_FLAG.get(flow) in flows


def _refresh(emulator: Emulator, call: Call, pool: Pool, client: Client,
             parameters: dict[str, str]) -> dict[str, Any]:
    token = required_parameter(parameters, "REFRESH_TOKEN")
    if client.rotation_enabled:
        # Rotation works only through GetTokensFromRefreshToken (refresh.py).
        raise InvalidParameter(ROTATION_NEEDS_GET_TOKENS)
    record = refresh.find_record(emulator, client, token)
    call.record.username = record.username
    # The hash is over the internal username, whatever name the user signed in with.
    check_secret_hash(client, record.username, parameters.get("SECRET_HASH"))
    result = refresh.issue(emulator, call, pool, client, record,
                           device_key=parameters.get("DEVICE_KEY"), client_metadata={},
                           rotating_call=False)
    return {"ChallengeParameters": {}, "AuthenticationResult": result}
