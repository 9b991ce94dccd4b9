"""Operations a signed-in user performs with an access token, plus RevokeToken."""

from __future__ import annotations

from typing import Any

from cognito_emulator import mfa, passwords
from cognito_emulator.client_auth import check_client_secret
from cognito_emulator.errors import (
    INCORRECT_CREDENTIALS,
    USER_DISABLED,
    USER_DOES_NOT_EXIST,
    InvalidParameter,
    NotAuthorized,
    ResourceNotFound,
    Unauthorized,
    UnsupportedOperation,
    UnsupportedTokenType,
    UserNotFound,
)
from cognito_emulator.models import EMAIL_OTP, SMS_MFA, SOFTWARE_TOKEN_MFA, Pool, User
from cognito_emulator.state import Call, Emulator


def signed_in_user(emulator: Emulator, call: Call) -> tuple[Pool, User]:
    """The pool and user behind ``AccessToken``; Cognito's errors for a bad token."""
    claims = emulator.tokens.access_claims(call.body["AccessToken"])
    call.record.client_id = claims.get("client_id")
    call.record.username = claims.get("username")
    pool = emulator.store.pools.get(claims["_pool_id"])
    user = pool.users.get(claims["username"]) if pool is not None else None
    if pool is None or user is None:
        raise UserNotFound(USER_DOES_NOT_EXIST)
    if not user.enabled:
        raise NotAuthorized(USER_DISABLED)
    return pool, user


def mfa_view(user: User) -> dict[str, Any]:
    """PreferredMfaSetting and UserMFASettingList, as GetUser and AdminGetUser show them."""
    view: dict[str, Any] = {}
    methods = user.mfa.enabled_methods()
    if methods:
        view["UserMFASettingList"] = methods
    if user.mfa.preferred:
        view["PreferredMfaSetting"] = user.mfa.preferred
    return view


def get_user_auth_factors(emulator: Emulator, call: Call) -> dict[str, Any]:
    """The user's MFA settings and the first factors USER_AUTH would offer them."""
    from cognito_emulator.user_auth import configured_factors  # user_auth needs this module

    pool, user = signed_in_user(emulator, call)
    return {"Username": user.username, **mfa_view(user),
            "ConfiguredUserAuthFactors": configured_factors(pool, user)}


def get_user(emulator: Emulator, call: Call) -> dict[str, Any]:
    _pool, user = signed_in_user(emulator, call)
    return {"Username": user.username, "UserAttributes": user.attribute_list(), **mfa_view(user)}


def change_password(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = signed_in_user(emulator, call)
    previous = call.body.get("PreviousPassword")
    if not previous or not passwords.password_matches(pool, user, previous):
        raise NotAuthorized(INCORRECT_CREDENTIALS)
    proposed = call.body["ProposedPassword"]
    passwords.check_policy(pool.password_policy, proposed)
    passwords.set_password(pool, user, proposed, emulator.entropy.salt(), emulator.now())
    user.modified = emulator.now()
    return {}


def set_user_mfa_preference(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = signed_in_user(emulator, call)
    apply_mfa_preference(pool, user, call.body)
    user.modified = emulator.now()
    return {}


def apply_mfa_preference(pool: Pool, user: User, body: dict[str, Any]) -> None:
    """Shared by SetUserMFAPreference and AdminSetUserMFAPreference."""
    members = (("SMSMfaSettings", SMS_MFA), ("SoftwareTokenMfaSettings", SOFTWARE_TOKEN_MFA),
               ("EmailMfaSettings", EMAIL_OTP))
    for member, method in members:
        settings = body.get(member)
        if not settings:
            continue
        turning_on = settings.get("Enabled") or settings.get("PreferredMfa")
        if turning_on:
            _refuse_unavailable(pool, user, method)
        mfa.set_preference(user.mfa, method, settings.get("Enabled"), settings.get("PreferredMfa"))
    passkey_mfa = body.get("WebAuthnMfaSettings")
    if passkey_mfa and passkey_mfa.get("Enabled") is not None:
        if passkey_mfa["Enabled"] and not user.passkeys:
            raise InvalidParameter("User has no registered passkey to enable passkey MFA.")
        user.mfa.webauthn_mfa_enabled = bool(passkey_mfa["Enabled"])


def _refuse_unavailable(pool: Pool, user: User, method: str) -> None:
    if method == SOFTWARE_TOKEN_MFA and user.mfa.totp_secret is None:
        raise InvalidParameter("User has not verified software token mfa")
    if method == SMS_MFA and "phone_number" not in user.attributes:
        raise InvalidParameter("User does not have delivery config set to turn on SMS_MFA")
    if method == EMAIL_OTP:
        if not pool.email_mfa_enabled:
            raise InvalidParameter("Email MFA is not enabled for this user pool.")
        if "email" not in user.attributes:
            raise InvalidParameter("User does not have delivery config set to turn on EMAIL_OTP")


def global_sign_out(emulator: Emulator, call: Call) -> dict[str, Any]:
    pool, user = signed_in_user(emulator, call)
    emulator.tokens.sign_out_everywhere(pool.id, user.username)
    return {}


def revoke_token(emulator: Emulator, call: Call) -> dict[str, Any]:
    body = call.body
    try:
        _pool, client = emulator.store.client(body["ClientId"])
    except ResourceNotFound as exc:
        # RevokeToken declares no NotAuthorizedException: bad client credentials are
        # UnauthorizedException.
        raise Unauthorized("Invalid client credentials.") from exc
    call.record.client_id = client.client_id
    check_client_secret(client, body.get("ClientSecret"))
    if not client.enable_token_revocation:
        raise UnsupportedOperation("Token revocation is not enabled for this client.")
    token = body["Token"]
    record = emulator.tokens.refresh_tokens.get(token)
    if record is None:
        if emulator.tokens.is_access_or_id_token(token):
            raise UnsupportedTokenType("Only refresh tokens can be revoked.")
        # RFC 7009 section 2.2: revoking a token the server does not know is not an error.
        return {}
    if record.client_id != client.client_id:
        raise Unauthorized("The refresh token was not issued to this client.")
    call.record.username = record.username
    emulator.tokens.revoke(record)
    return {}
