"""In-memory user pools, app clients and users, built from CreateUserPool-shaped requests.

The same code path serves the admin API and the seed file, so a seeded pool behaves exactly like
one created through boto3.
"""

from __future__ import annotations

import uuid
from typing import Any

from cognito_emulator import passwords
from cognito_emulator.entropy import Entropy
from cognito_emulator.errors import (
    FACTORS_NEED_TIER,
    TOKEN_VALIDITY_RANGE,
    USER_DOES_NOT_EXIST,
    FeatureUnavailableInTier,
    GroupExists,
    InvalidParameter,
    ResourceNotFound,
    UserNotFound,
)
from cognito_emulator.models import (
    DEFAULT_TIER,
    FIRST_FACTORS,
    LITE,
    STANDARD_ATTRIBUTES,
    WEB_AUTHN,
    AdaptiveRules,
    Client,
    DeviceConfiguration,
    Group,
    PasswordPolicy,
    Pool,
    SchemaAttribute,
    User,
    WebAuthnConfiguration,
)

LEGACY_FLOWS = frozenset({"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"})
# What Cognito allows when a client names no ExplicitAuthFlows (cognito-protocol.md section 2).
DEFAULT_FLOWS = ("ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH")

# CreateUserPool members the emulator interprets; the others are stored and echoed back.
_POOL_MEMBERS = frozenset({
    "PoolName", "Policies", "MfaConfiguration", "UsernameAttributes", "AliasAttributes",
    "AutoVerifiedAttributes", "Schema", "DeviceConfiguration", "UserPoolTier",
})
# UpdateUserPool members the emulator interprets (the rest replace what ``extra`` held).
_UPDATE_MEMBERS = frozenset({
    "UserPoolId", "Policies", "MfaConfiguration", "AutoVerifiedAttributes",
    "DeviceConfiguration", "UserPoolTier",
})
_CLIENT_MEMBERS = frozenset({
    "UserPoolId", "ClientId", "ClientName", "GenerateSecret", "ExplicitAuthFlows",
    "AuthSessionValidity", "EnablePropagateAdditionalUserContextData",
    "PreventUserExistenceErrors", "EnableTokenRevocation", "RefreshTokenValidity",
    "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits", "RefreshTokenRotation",
})
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Per token: (validity member, unit when a value is given without one, default lifetime in
# seconds, allowed range in seconds) -- Cognito's: access and ID tokens 5 minutes to 1 day
# (default 1 hour), refresh tokens 60 minutes to 10 years (default 30 days).
_VALIDITY = {
    "AccessToken": ("AccessTokenValidity", "hours", 3600, (300, 86400)),
    "IdToken": ("IdTokenValidity", "hours", 3600, (300, 86400)),
    "RefreshToken": ("RefreshTokenValidity", "days", 30 * 86400, (3600, 10 * 365 * 86400)),
}
_DEFAULT_UNIT = {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}


class PoolStore:
    """Every user pool, with its app clients and users, and the lookups across them."""

    def __init__(self, entropy: Entropy) -> None:
        self.entropy = entropy
        self.pools: dict[str, Pool] = {}
        self._client_pool: dict[str, str] = {}
        # Cognito's token-validity ranges; a test hook may lift them (any positive lifetime).
        self.enforce_token_validity_ranges = True

    # -- pools ---------------------------------------------------------------------------
    def create_pool(self, request: dict[str, Any], *, now: float, region: str,
                    pool_id: str | None = None,
                    adaptive: AdaptiveRules | None = None) -> Pool:
        if request.get("AliasAttributes") and request.get("UsernameAttributes"):
            raise InvalidParameter(
                "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
            )
        if pool_id is None:
            pool_id = f"{region}_{self.entropy.alphanumeric(9, _POOL_ID_ALPHABET)}"
        if pool_id in self.pools:
            raise InvalidParameter(f"User pool {pool_id} already exists.")
        pool = Pool(
            id=pool_id,
            name=request["PoolName"],
            created=now,
            modified=now,
            password_policy=PasswordPolicy.from_model(request.get("Policies")),
            mfa_configuration=request.get("MfaConfiguration", "OFF"),
            username_attributes=list(request.get("UsernameAttributes") or []),
            alias_attributes=list(request.get("AliasAttributes") or []),
            auto_verified_attributes=list(request.get("AutoVerifiedAttributes") or []),
            schema=_schema(request.get("Schema") or []),
            # SMS MFA needs an SMS configuration in Cognito; the emulator only records the code.
            sms_mfa_enabled="SmsConfiguration" in request,
            totp_mfa_enabled=False,
            email_mfa_configuration=None,
            sms_mfa_configuration=None,
            adaptive=adaptive or AdaptiveRules(),
            region=region,
            device_configuration=DeviceConfiguration.from_model(
                request.get("DeviceConfiguration")
            ),
            tier=request.get("UserPoolTier") or DEFAULT_TIER,
            allowed_first_factors=sign_in_factors(request.get("Policies")),
            extra={key: value for key, value in request.items() if key not in _POOL_MEMBERS},
        )
        check_tier(pool)
        self.pools[pool.id] = pool
        return pool

    def update_pool(self, request: dict[str, Any], *, now: float) -> Pool:
        """UpdateUserPool: as in Cognito, an updatable member left out goes back to its default
        (the tier, when left out, stays: changing plans is a separate decision)."""
        pool = self.pool(request["UserPoolId"])
        tier = request.get("UserPoolTier") or pool.tier
        factors = sign_in_factors(request.get("Policies"))
        if tier == LITE and (factors != ["PASSWORD"] or pool.web_authn is not None):
            raise FeatureUnavailableInTier(FACTORS_NEED_TIER)
        pool.tier = tier
        pool.allowed_first_factors = factors
        pool.password_policy = PasswordPolicy.from_model(request.get("Policies"))
        pool.mfa_configuration = request.get("MfaConfiguration", "OFF")
        pool.auto_verified_attributes = list(request.get("AutoVerifiedAttributes") or [])
        pool.device_configuration = DeviceConfiguration.from_model(
            request.get("DeviceConfiguration"))
        kept = {key: value for key, value in pool.extra.items()
                if key in _CREATE_ONLY_MEMBERS}
        pool.extra = {**kept, **{key: value for key, value in request.items()
                                 if key not in _UPDATE_MEMBERS}}
        pool.modified = now
        return pool

    def pool(self, pool_id: str) -> Pool:
        pool = self.pools.get(pool_id)
        if pool is None:
            raise ResourceNotFound(f"User pool {pool_id} does not exist.")
        return pool

    def delete_pool(self, pool_id: str) -> None:
        pool = self.pool(pool_id)
        for client_id in pool.clients:
            self._client_pool.pop(client_id, None)
        del self.pools[pool_id]

    # -- clients -------------------------------------------------------------------------
    def create_client(self, pool: Pool, request: dict[str, Any], *, now: float,
                      client_id: str | None = None, secret: str | None = None) -> Client:
        if secret is None and request.get("GenerateSecret"):
            secret = self.entropy.alphanumeric(51)
        client_id = client_id or self.entropy.alphanumeric(26)
        if client_id in self._client_pool:
            raise InvalidParameter(f"User pool client {client_id} already exists.")
        client = Client(pool_id=pool.id, client_id=client_id, name=request["ClientName"],
                        secret=secret, explicit_auth_flows=None, created=now, modified=now)
        configure_client(client, request, enforce_ranges=self.enforce_token_validity_ranges)
        pool.clients[client_id] = client
        self._client_pool[client_id] = pool.id
        return client

    def update_client(self, pool: Pool, request: dict[str, Any], *, now: float) -> Client:
        """UpdateUserPoolClient: as in Cognito, a member left out goes back to its default
        (the name, id and secret stay)."""
        client = pool.clients.get(request["ClientId"])
        if client is None:
            raise ResourceNotFound(f"User pool client {request['ClientId']} does not exist.")
        updated = Client(pool_id=pool.id, client_id=client.client_id,
                         name=request.get("ClientName") or client.name, secret=client.secret,
                         explicit_auth_flows=None, created=client.created, modified=now)
        configure_client(updated, request, enforce_ranges=self.enforce_token_validity_ranges)
        pool.clients[client.client_id] = updated
        return updated

    def client(self, client_id: str) -> tuple[Pool, Client]:
        pool_id = self._client_pool.get(client_id)
        if pool_id is None or pool_id not in self.pools:
            raise ResourceNotFound(f"User pool client {client_id} does not exist.")
        pool = self.pools[pool_id]
        return pool, pool.clients[client_id]

    # -- users ---------------------------------------------------------------------------
    def add_user(self, pool: Pool, *, username: str, attributes: dict[str, str], password: str,
                 status: str, now: float) -> User:
        attributes = {"sub": str(uuid.uuid4()), **attributes}
        user = User(username=username, attributes=attributes, status=status, created=now,
                    modified=now, salt=0, verifier=0, password_set_at=now)
        passwords.set_password(pool, user, password, self.entropy.salt(), now)
        pool.users[username] = user
        return user

    def internal_username(self, pool: Pool, requested: str) -> tuple[str, dict[str, str]]:
        """(internal username, attributes implied) for a new user named ``requested``.

        With UsernameAttributes the name typed is an email or phone number and Cognito gives
        the user a UUID as its real username (cognito-protocol.md 3.1 rule 2).
        """
        if not pool.username_attributes:
            return requested, {}
        attribute = "email" if "@" in requested else "phone_number"
        if attribute not in pool.username_attributes or (
            attribute == "phone_number" and not requested.startswith("+")
        ):
            allowed = " or ".join(
                "an email" if name == "email" else "a phone number"
                for name in pool.username_attributes
            )
            raise InvalidParameter(f"Username should be {allowed}.")
        return str(uuid.uuid4()), {attribute: requested}

    def find_user(self, pool: Pool, login: str) -> User | None:
        """The user a sign-in name refers to: the username itself, or an alias."""
        user = pool.users.get(login)
        if user is not None:
            return user
        for attribute in pool.username_attributes:
            user = self.alias_owner(pool, attribute, login, verified_only=False)
            if user is not None:
                return user
        for attribute in pool.alias_attributes:
            # An email or phone number becomes a sign-in alias only once it is verified.
            verified_only = attribute in ("email", "phone_number")
            user = self.alias_owner(pool, attribute, login, verified_only=verified_only)
            if user is not None:
                return user
        return None

    def require_user(self, pool: Pool, login: str) -> User:
        user = self.find_user(pool, login)
        if user is None:
            raise UserNotFound(USER_DOES_NOT_EXIST)
        return user

    def alias_owner(self, pool: Pool, attribute: str, value: str, *,
                    verified_only: bool, exclude: User | None = None) -> User | None:
        wanted = _normalise(attribute, value)
        for user in pool.users.values():
            if user is exclude:
                continue
            current = user.attributes.get(attribute)
            if current is None or _normalise(attribute, current) != wanted:
                continue
            if verified_only and not user.verified(attribute):
                continue
            return user
        return None

    def users_matching(self, name: str, pool_id: str | None = None) -> list[tuple[Pool, User]]:
        """Users whose username, email or phone number is ``name`` (for the test hooks)."""
        found = []
        for pool in self.pools.values():
            if pool_id is not None and pool.id != pool_id:
                continue
            for user in pool.users.values():
                if name == user.username or name in (
                    user.attributes.get("email"), user.attributes.get("phone_number")
                ):
                    found.append((pool, user))
        return found


# CreateUserPool members UpdateUserPool cannot change (kept by an update).
_CREATE_ONLY_MEMBERS = frozenset({"UsernameConfiguration"})


def sign_in_factors(policies: dict[str, Any] | None) -> list[str]:
    """Policies.SignInPolicy.AllowedFirstAuthFactors, in the order given; PASSWORD when unset.
    SOFTWARE_TOKEN is an MFA factor only (newer models list it in AuthFactorType)."""
    given = ((policies or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors")
    if not given:
        return ["PASSWORD"]
    for factor in given:
        if factor not in FIRST_FACTORS:
            raise InvalidParameter(f"{factor} is not allowed as a first authentication factor.")
    return list(dict.fromkeys(given))


def check_tier(pool: Pool) -> None:
    """Passwordless first factors and passkeys need ESSENTIALS or PLUS."""
    if pool.tier == LITE and (pool.allowed_first_factors != ["PASSWORD"]
                              or pool.web_authn is not None):
        raise FeatureUnavailableInTier(FACTORS_NEED_TIER)


def sign_in_policy(pool: Pool) -> dict[str, Any]:
    return {"AllowedFirstAuthFactors": list(pool.allowed_first_factors)}


def web_authn_enabled(pool: Pool) -> bool:
    return pool.tier != LITE and WEB_AUTHN in pool.allowed_first_factors


_POOL_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _normalise(attribute: str, value: str) -> str:
    return value.lower() if attribute == "email" else value


def _schema(entries: list[dict[str, Any]]) -> dict[str, SchemaAttribute]:
    schema = {name: SchemaAttribute(name=name) for name in STANDARD_ATTRIBUTES}
    schema["sub"] = SchemaAttribute(name="sub", required=True, mutable=False)
    for entry in entries:
        name = entry["Name"]
        if name not in STANDARD_ATTRIBUTES:
            name = f"custom:{name}"
        schema[name] = SchemaAttribute(
            name=name,
            data_type=entry.get("AttributeDataType", "String"),
            required=bool(entry.get("Required", False)),
            mutable=entry.get("Mutable", True),
        )
    return schema


def configure_client(client: Client, request: dict[str, Any], *,
                     enforce_ranges: bool = True) -> None:
    """Apply CreateUserPoolClient / UpdateUserPoolClient members to ``client``; members left
    out take Cognito's defaults. ``enforce_ranges`` False (a test hook) accepts any positive
    token lifetime."""
    flows = request.get("ExplicitAuthFlows")
    mixed = any(f.startswith("ALLOW_") for f in flows or [])
    if mixed and LEGACY_FLOWS.intersection(flows or []):
        raise InvalidParameter("ExplicitAuthFlow combination is invalid")
    if request.get("EnablePropagateAdditionalUserContextData") and client.secret is None:
        # Cognito allows propagating the end user's IP only for confidential clients.
        raise InvalidParameter(
            "EnablePropagateAdditionalUserContextData requires a client with a secret."
        )
    client.explicit_auth_flows = list(flows) if flows else None
    client.auth_session_validity = request.get("AuthSessionValidity", 3)
    client.propagate_user_context = bool(request.get("EnablePropagateAdditionalUserContextData"))
    client.prevent_user_existence_errors = request.get("PreventUserExistenceErrors", "LEGACY")
    client.enable_token_revocation = request.get("EnableTokenRevocation", True)
    units = request.get("TokenValidityUnits") or {}
    values: dict[str, int] = {}
    for kind, (member, unit_if_given, default, (low, high)) in _VALIDITY.items():
        amount = request.get(member)
        if amount is None or (kind == "RefreshToken" and amount == 0):
            # Unset (or RefreshTokenValidity 0): the default, in the unit asked for when it
            # divides evenly, else in Cognito's usual one.
            unit = units.get(kind, _DEFAULT_UNIT[kind])
            if default % UNIT_SECONDS[unit]:
                unit = _DEFAULT_UNIT[kind]
            amount = default // UNIT_SECONDS[unit]
        else:
            unit = units.get(kind, unit_if_given)
            if not enforce_ranges:
                low = 1
            if not low <= amount * UNIT_SECONDS[unit] <= high:
                raise InvalidParameter(TOKEN_VALIDITY_RANGE)
        client.token_validity_units[kind] = unit
        values[kind] = amount
    client.access_token_validity = values["AccessToken"]
    client.id_token_validity = values["IdToken"]
    client.refresh_token_validity = values["RefreshToken"]
    rotation = request.get("RefreshTokenRotation") or {}
    client.rotation_enabled = rotation.get("Feature") == "ENABLED"
    client.retry_grace_period_seconds = int(rotation.get("RetryGracePeriodSeconds") or 0)
    client.extra = {key: value for key, value in request.items() if key not in _CLIENT_MEMBERS}


def lifetime(client: Client, token: str) -> int:
    """Seconds a token of ``client`` lasts; ``token`` is AccessToken, IdToken or
    RefreshToken."""
    amount = {"AccessToken": client.access_token_validity, "IdToken": client.id_token_validity,
              "RefreshToken": client.refresh_token_validity}[token]
    return amount * UNIT_SECONDS[client.token_validity_units.get(token, _DEFAULT_UNIT[token])]


def add_group(pool: Pool, request: dict[str, Any], now: float) -> Group:
    """CreateGroup's work, shared with the seed."""
    name = request["GroupName"]
    if name in pool.groups:
        raise GroupExists(f"A group with the name {name} already exists.")
    group = Group(name=name, created=now, modified=now, description=request.get("Description"),
                  role_arn=request.get("RoleArn"), precedence=request.get("Precedence"))
    pool.groups[name] = group
    return group


def configure_mfa(pool: Pool, request: dict[str, Any]) -> None:
    """Apply SetUserPoolMfaConfig members (also accepted in a seed pool)."""
    if "SmsMfaConfiguration" in request:
        pool.sms_mfa_configuration = request["SmsMfaConfiguration"]
        pool.sms_mfa_enabled = request["SmsMfaConfiguration"] is not None
    if "SoftwareTokenMfaConfiguration" in request:
        totp = request["SoftwareTokenMfaConfiguration"] or {}
        pool.totp_mfa_enabled = bool(totp.get("Enabled"))
    if "EmailMfaConfiguration" in request:
        pool.email_mfa_configuration = request["EmailMfaConfiguration"]
    if "MfaConfiguration" in request:
        pool.mfa_configuration = request["MfaConfiguration"]
    if "WebAuthnConfiguration" in request:
        given = request["WebAuthnConfiguration"]
        if given is not None and pool.tier == LITE:
            raise FeatureUnavailableInTier(
                "Passkeys (WebAuthnConfiguration) are not available in the LITE feature plan.")
        pool.web_authn = None if given is None else WebAuthnConfiguration.from_model(given)


def mfa_config(pool: Pool) -> dict[str, Any]:
    """The SetUserPoolMfaConfig / GetUserPoolMfaConfig response shape."""
    config: dict[str, Any] = {
        "SoftwareTokenMfaConfiguration": {"Enabled": pool.totp_mfa_enabled},
        "MfaConfiguration": pool.mfa_configuration,
    }
    if pool.sms_mfa_enabled:
        config["SmsMfaConfiguration"] = pool.sms_mfa_configuration or {}
    if pool.email_mfa_configuration is not None:
        config["EmailMfaConfiguration"] = pool.email_mfa_configuration
    if pool.web_authn is not None:
        config["WebAuthnConfiguration"] = pool.web_authn.to_model()
    return config
