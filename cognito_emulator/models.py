"""Plain data: user pools, app clients, users and what the emulator knows about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Cognito's standard attributes (OIDC claims plus a few of its own). Anything else in a schema
# is a custom attribute and lives under "custom:".
STANDARD_ATTRIBUTES = (
    "sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
    "profile", "picture", "website", "email", "email_verified", "gender", "birthdate",
    "zoneinfo", "locale", "phone_number", "phone_number_verified", "address", "updated_at",
)

# The MFA methods as Cognito names them in challenges and UserMFASettingList. Email MFA is
# EMAIL_OTP on the wire, never "EMAIL_MFA" (cognito-protocol.md section 3).
SMS_MFA = "SMS_MFA"
SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
EMAIL_OTP = "EMAIL_OTP"
MFA_METHODS = (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP)

# The other challenges the emulator asks, by their ChallengeName.
PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
SELECT_MFA_TYPE = "SELECT_MFA_TYPE"
CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
MFA_SETUP_CHALLENGE = "MFA_SETUP"  # not outbox.MFA_SETUP, which is why a message was sent
DEVICE_SRP_AUTH = "DEVICE_SRP_AUTH"
DEVICE_PASSWORD_VERIFIER = "DEVICE_PASSWORD_VERIFIER"
# Choice-based sign-in (USER_AUTH): the challenges of the first factor, and the pool's
# AuthFactorType values (Policies.SignInPolicy.AllowedFirstAuthFactors).
SELECT_CHALLENGE = "SELECT_CHALLENGE"
PASSWORD_CHALLENGE = "PASSWORD"
PASSWORD_SRP = "PASSWORD_SRP"
SMS_OTP = "SMS_OTP"
WEB_AUTHN = "WEB_AUTHN"
FIRST_FACTORS = ("PASSWORD", EMAIL_OTP, SMS_OTP, WEB_AUTHN)
# UserPoolTier; new pools are ESSENTIALS, as in Cognito.
LITE, ESSENTIALS, PLUS = "LITE", "ESSENTIALS", "PLUS"
DEFAULT_TIER = ESSENTIALS
REMEMBERED = "remembered"
NOT_REMEMBERED = "not_remembered"


@dataclass
class PasswordPolicy:
    minimum_length: int = 8
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True
    temporary_password_validity_days: int = 7

    @classmethod
    def from_model(cls, policies: dict[str, Any] | None) -> PasswordPolicy:
        given = (policies or {}).get("PasswordPolicy") or {}
        default = cls()
        return cls(
            minimum_length=given.get("MinimumLength", default.minimum_length),
            require_uppercase=given.get("RequireUppercase", default.require_uppercase),
            require_lowercase=given.get("RequireLowercase", default.require_lowercase),
            require_numbers=given.get("RequireNumbers", default.require_numbers),
            require_symbols=given.get("RequireSymbols", default.require_symbols),
            temporary_password_validity_days=given.get(
                "TemporaryPasswordValidityDays", default.temporary_password_validity_days
            ),
        )

    def to_model(self) -> dict[str, Any]:
        return {
            "MinimumLength": self.minimum_length,
            "RequireUppercase": self.require_uppercase,
            "RequireLowercase": self.require_lowercase,
            "RequireNumbers": self.require_numbers,
            "RequireSymbols": self.require_symbols,
            "TemporaryPasswordValidityDays": self.temporary_password_validity_days,
        }


@dataclass
class SchemaAttribute:
    name: str
    data_type: str = "String"
    required: bool = False
    mutable: bool = True

    def to_model(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "AttributeDataType": self.data_type,
            "DeveloperOnlyAttribute": False,
            "Mutable": self.mutable,
            "Required": self.required,
        }


@dataclass
class AdaptiveRules:
    """Emulator-only stand-in for threat protection's risk decisions, set from the seed."""

    blocked_ips: frozenset[str] = frozenset()
    require_mfa_for_new_ip: bool = False


@dataclass
class Client:
    pool_id: str
    client_id: str
    name: str
    secret: str | None
    explicit_auth_flows: list[str] | None
    created: float
    auth_session_validity: int = 3
    propagate_user_context: bool = False
    prevent_user_existence_errors: str = "LEGACY"
    enable_token_revocation: bool = True
    refresh_token_validity: int = 30
    access_token_validity: int = 60
    id_token_validity: int = 60
    token_validity_units: dict[str, str] = field(
        default_factory=lambda: {"AccessToken": "minutes", "IdToken": "minutes",
                                 "RefreshToken": "days"}
    )
    # RefreshTokenRotation: with it on, GetTokensFromRefreshToken hands out a new refresh
    # token and the one it replaced keeps working for ``retry_grace_period_seconds``.
    rotation_enabled: bool = False
    retry_grace_period_seconds: int = 0
    modified: float = 0.0
    # Other CreateUserPoolClient members, echoed back by DescribeUserPoolClient.
    extra: dict[str, Any] = field(default_factory=dict)

    def rotation_view(self) -> dict[str, Any]:
        return {"Feature": "ENABLED" if self.rotation_enabled else "DISABLED",
                "RetryGracePeriodSeconds": self.retry_grace_period_seconds}


@dataclass
class MfaSettings:
    sms_enabled: bool = False
    totp_enabled: bool = False
    email_enabled: bool = False
    preferred: str | None = None
    totp_secret: str | None = None  # verified
    pending_totp_secret: str | None = None  # associated, not yet verified
    last_totp_step: int | None = None  # replay protection (RFC 6238 section 5.2)
    # WebAuthnMfaSettings: with the pool's FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION
    # a user-verified passkey sign-in then satisfies MFA.
    webauthn_mfa_enabled: bool = False

    def enabled_methods(self) -> list[str]:
        flags = {SMS_MFA: self.sms_enabled, SOFTWARE_TOKEN_MFA: self.totp_enabled,
                 EMAIL_OTP: self.email_enabled}
        return [method for method in MFA_METHODS if flags[method]]


@dataclass
class PendingCode:
    """A confirmation or reset code sent to the user, waiting to be typed back."""

    code: str
    expires_at: float
    attempts: int = 0


@dataclass
class Device:
    """A device confirmed with ConfirmDevice: its SRP salt and verifier (never the device
    password), whether it is remembered, and what GetDevice / ListDevices show."""

    key: str
    group_key: str
    name: str | None
    salt: int
    verifier: int
    remembered_status: str
    created: float
    modified: float
    last_authenticated: float
    last_ip: str | None = None


@dataclass(frozen=True)
class DeviceConfiguration:
    """The pool's DeviceConfiguration; a pool without one does not track devices."""

    challenge_required_on_new_device: bool = False
    only_remembered_on_user_prompt: bool = False

    @classmethod
    def from_model(cls, given: dict[str, Any] | None) -> DeviceConfiguration | None:
        if given is None:
            return None
        return cls(
            challenge_required_on_new_device=bool(given.get("ChallengeRequiredOnNewDevice")),
            only_remembered_on_user_prompt=bool(given.get("DeviceOnlyRememberedOnUserPrompt")),
        )

    def to_model(self) -> dict[str, bool]:
        return {"ChallengeRequiredOnNewDevice": self.challenge_required_on_new_device,
                "DeviceOnlyRememberedOnUserPrompt": self.only_remembered_on_user_prompt}


@dataclass(frozen=True)
class WebAuthnConfiguration:
    """SetUserPoolMfaConfig's WebAuthnConfiguration. Without a RelyingPartyId the emulator
    (which has no user-pool domains) cannot do passkeys: WebAuthnConfigurationMissing."""

    relying_party_id: str | None = None
    user_verification: str = "preferred"
    factor_configuration: str = "SINGLE_FACTOR"

    @classmethod
    def from_model(cls, given: dict[str, Any]) -> WebAuthnConfiguration:
        return cls(relying_party_id=given.get("RelyingPartyId") or None,
                   user_verification=given.get("UserVerification") or "preferred",
                   factor_configuration=given.get("FactorConfiguration") or "SINGLE_FACTOR")

    def to_model(self) -> dict[str, str]:
        view = {"UserVerification": self.user_verification,
                "FactorConfiguration": self.factor_configuration}
        if self.relying_party_id:
            view["RelyingPartyId"] = self.relying_party_id
        return view

    @property
    def multi_factor(self) -> bool:
        return self.factor_configuration == "MULTI_FACTOR_WITH_USER_VERIFICATION"


@dataclass
class Passkey:
    """A WebAuthn credential registered with CompleteWebAuthnRegistration: its id and COSE
    public key as py_webauthn verified them, and the signature counter last seen."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    relying_party_id: str
    transports: list[str]
    attachment: str | None
    name: str
    created: float
    last_used: float | None = None


@dataclass(frozen=True)
class PendingRegistration:
    """StartWebAuthnRegistration's challenge, waiting for CompleteWebAuthnRegistration."""

    challenge: bytes
    client_id: str
    expires_at: float


@dataclass
class Group:
    """A user-pool group (CreateGroup). Its members are named in each ``User.groups``."""

    name: str
    created: float
    modified: float
    description: str | None = None
    role_arn: str | None = None
    precedence: int | None = None

    def sort_key(self) -> tuple[int, int, str]:
        # Lower precedence first; groups without one come after every group with one.
        if self.precedence is None:
            return (1, 0, self.name)
        return (0, self.precedence, self.name)


@dataclass(frozen=True)
class GroupClaims:
    """What a user's groups put in their tokens: ``cognito:groups`` (both tokens),
    ``cognito:roles`` and ``cognito:preferred_role`` (ID token)."""

    groups: list[str]
    roles: list[str]
    preferred_role: str | None


@dataclass
class User:
    username: str
    attributes: dict[str, str]
    status: str
    created: float
    modified: float
    salt: int
    verifier: int
    password_set_at: float
    enabled: bool = True
    mfa: MfaSettings = field(default_factory=MfaSettings)
    known_ips: set[str] = field(default_factory=set)
    confirmation_code: PendingCode | None = None
    reset_code: PendingCode | None = None
    # When ResendConfirmationCode sent this user a code (emulator time), for its rate limit.
    resent_at: list[float] = field(default_factory=list)
    # Attribute verification (VerifyUserAttribute): the code sent per attribute, and new
    # email / phone values kept back until verified (UserAttributeUpdateSettings).
    attribute_codes: dict[str, PendingCode] = field(default_factory=dict)
    pending_attributes: dict[str, str] = field(default_factory=dict)
    # Devices: the DeviceGroupKey of all of this user's devices (made at first need), keys
    # handed out in NewDeviceMetadata but not yet confirmed, and the confirmed ones.
    device_group_key: str | None = None
    issued_device_keys: dict[str, float] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    # Names of the pool's groups this user belongs to, in the order they were joined.
    groups: list[str] = field(default_factory=list)
    # Passkeys (by credential id) and a registration in progress.
    passkeys: dict[bytes, Passkey] = field(default_factory=dict)
    pending_registration: PendingRegistration | None = None

    @property
    def sub(self) -> str:
        return self.attributes["sub"]

    def attribute_list(self, names: list[str] | None = None) -> list[dict[str, str]]:
        return [
            {"Name": name, "Value": value}
            for name, value in self.attributes.items()
            if names is None or name in names
        ]

    def verified(self, attribute: str) -> bool:
        return self.attributes.get(f"{attribute}_verified") == "true"


@dataclass
class Pool:
    id: str
    name: str
    created: float
    modified: float
    password_policy: PasswordPolicy
    mfa_configuration: str
    username_attributes: list[str]
    alias_attributes: list[str]
    auto_verified_attributes: list[str]
    schema: dict[str, SchemaAttribute]
    sms_mfa_enabled: bool
    totp_mfa_enabled: bool
    email_mfa_configuration: dict[str, Any] | None
    sms_mfa_configuration: dict[str, Any] | None
    adaptive: AdaptiveRules
    region: str
    device_configuration: DeviceConfiguration | None = None
    tier: str = DEFAULT_TIER
    # Policies.SignInPolicy.AllowedFirstAuthFactors (Cognito's default: PASSWORD only).
    allowed_first_factors: list[str] = field(default_factory=lambda: ["PASSWORD"])
    web_authn: WebAuthnConfiguration | None = None
    # Seed-only: origins accepted for passkeys besides https://<RelyingPartyId> (and, for
    # localhost, http://localhost:<any port>).
    extra_web_authn_origins: tuple[str, ...] = ()
    # Other CreateUserPool members, echoed back by DescribeUserPool.
    extra: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:cognito-idp:{self.region}:000000000000:userpool/{self.id}"

    @property
    def email_mfa_enabled(self) -> bool:
        return self.email_mfa_configuration is not None

    def factors(self) -> list[str]:
        """The MFA methods this pool offers, in Cognito's order."""
        flags = {SMS_MFA: self.sms_mfa_enabled, SOFTWARE_TOKEN_MFA: self.totp_mfa_enabled,
                 EMAIL_OTP: self.email_mfa_enabled}
        return [method for method in MFA_METHODS if flags[method]]

    def user_groups(self, user: User) -> list[Group]:
        """The user's groups in Cognito's token order: by precedence, then by name."""
        found = [self.groups[name] for name in user.groups if name in self.groups]
        return sorted(found, key=Group.sort_key)

    def group_claims(self, user: User) -> GroupClaims:
        groups = self.user_groups(user)
        roles = [group.role_arn for group in groups if group.role_arn]
        return GroupClaims(groups=[group.name for group in groups], roles=roles,
                           preferred_role=roles[0] if roles else None)

    def required_attributes(self) -> list[str]:
        return [attr.name for attr in self.schema.values() if attr.required and attr.name != "sub"]
