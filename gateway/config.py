"""Settings, read from ``GATEWAY_*`` environment variables once and validated all at once.

This is the only module that reads the environment. Each setting is declared once, below, as a
typed pydantic field: its default, its bounds and its checks sit on that one line (or in the
validator next to it), and the field's ``validation_alias`` is the variable it is read from.
Settings come in sections, and each consumer is handed only its own: the Redis connection gets
``settings.redis``, the Cognito client ``settings.cognito``, the pages ``settings.branding``...
Routes to upstream APIs, when they come, get a section of their own here (``settings.upstreams``)
rather than more top-level fields.

Every problem is collected and reported together, so an operator fixes a deployment in one pass
instead of one restart per typo; each problem is a sentence naming the ``GATEWAY_`` variable, and
never repeats the value it refused (it may be a secret).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, core_schema
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from yarl import URL

from gateway.relay.routes import Route, parse_routes
from gateway.web.contrast import TEXT_MINIMUM, contrast_ratio

# CUSTOM_AUTH_SRP is Cognito's CUSTOM_AUTH begun with SRP (CHALLENGE_NAME: SRP_A): the password
# first, then the pool's custom challenges. Plain CUSTOM_AUTH asks for no password at all.
AUTH_FLOWS: Final = (
    "USER_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH", "CUSTOM_AUTH_SRP", "USER_AUTH",
)
# USER_AUTH's first factors, for GATEWAY_PREFERRED_CHALLENGE.
FIRST_FACTORS: Final = ("PASSWORD_SRP", "PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")
PASSWORD_CLASSES: Final = ("upper", "lower", "number", "symbol")
LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")
_POOL_ID = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d)_[0-9A-Za-z]+$")
_CLIENT_ID = re.compile(r"^[\w+]{1,128}$")
_MIN_KEY_LENGTH = 32
# First path segments the gateway's own routes use: the signed-in page cannot live there.
_RESERVED_PATHS = frozenset({"login", "logout", "auth", "static", "healthz", "readyz",
                             "account", "signup"})

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Secret:
    """A string that does not show itself in reprs, tracebacks, logs or model dumps."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from_text = core_schema.no_info_after_validator_function(cls, core_schema.str_schema())
        return core_schema.json_or_python_schema(
            json_schema=from_text,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_text]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda _: "**********", when_used="json"
            ),
        )


class ConfigError(Exception):
    """Every problem found in the environment, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"invalid gateway configuration:\n{listing}")


# --- value types --------------------------------------------------------------------------
#
# A validator's ValueError says what is wrong *after* the variable's name ("must be ...", or
# ": ..." for a detail); _problem() puts the name in front. Bounds come from Field(ge=, le=).


def _whole_number(value: object) -> object:
    if isinstance(value, str) and not value.isdigit():  # no sign, point, exponent or '_'
        raise ValueError("must be a whole number")
    return value


def _flag(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _comma_list(value: object) -> object:
    if not isinstance(value, str):
        return value
    return [item.strip() for item in value.split(",") if item.strip()]


def _plain_url(value: str) -> str:
    url = URL(value)
    # These URLs end up in the Content-Security-Policy header, where a space, ';' or ',' would
    # start a new source or directive: only a plain URL is accepted.
    if url.scheme not in {"http", "https"} or not url.host or re.search(r"[\s;,'\"]", value):
        raise ValueError("must be a plain http(s) URL")
    return value


def _logo_url(value: str) -> str:
    if not value.startswith("/") or value.startswith("//"):
        return _plain_url(value)  # absolute: its origin joins img-src
    if re.search(r"[\s'\"<>]", value):
        raise ValueError("must be a path or a plain http(s) URL")
    return value


def _network(value: object) -> Network:
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return value
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise ValueError(f": {str(value).strip()!r} is not an IP address or CIDR") from None


def _is_origin(value: str) -> bool:
    """``scheme://host[:port]`` exactly, as a browser writes an Origin header."""
    try:
        url = URL(value)
    except ValueError:
        return False
    return (url.scheme in {"http", "https"} and bool(url.host) and url.raw_path in {"", "/"}
            and not url.query_string and not url.fragment and not url.user
            and not value.endswith("/"))


def _none_for_off(value: object) -> object:
    if isinstance(value, str) and value.strip().lower() in {"none", "off"}:
        return None
    return value


def _json_strings(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
    ):
        raise ValueError("must be a JSON object of strings")
    return parsed


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
Flag = Annotated[bool, BeforeValidator(_flag)]
PlainUrl = Annotated[str, AfterValidator(_plain_url)]
ProxyNetwork = Annotated[Network, PlainValidator(_network)]


# --- sections -----------------------------------------------------------------------------


class _Section(BaseModel):
    # hide_input_in_errors: a ValidationError printed anywhere never shows the refused value.
    # validate_by_name: code and tests may build a section by attribute name, too.
    model_config = ConfigDict(
        frozen=True, extra="forbid", hide_input_in_errors=True,
        validate_by_alias=True, validate_by_name=True,
    )


class RedisSettings(_Section):
    url: Secret = Field(validation_alias="GATEWAY_REDIS_URL")
    # Seconds, connect and per command. Explicit because redis-py defaults to "forever".
    timeout: float = Field(default=1.0, ge=0.05, le=30, validation_alias="GATEWAY_REDIS_TIMEOUT")

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: Secret) -> Secret:
        try:
            if sentinel_target(url.reveal()) is not None:
                return url
            scheme = URL(url.reveal()).scheme
        except ValueError as error:
            raise ValueError(f": {error}") from None  # our own and yarl's words, never the URL
        if scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must be a redis://, rediss://, unix:// or redis+sentinel:// URL")
        return url


class CognitoSettings(_Section):
    user_pool_id: str = Field(validation_alias="GATEWAY_USER_POOL_ID")
    client_id: str = Field(validation_alias="GATEWAY_CLIENT_ID")
    client_secret: Secret | None = Field(default=None, validation_alias="GATEWAY_CLIENT_SECRET")
    # Unset: the region the pool id starts with.
    region: str = Field(default="", validation_alias="GATEWAY_REGION", validate_default=True)
    endpoint: PlainUrl | None = Field(default=None, validation_alias="GATEWAY_COGNITO_ENDPOINT")
    auth_flow: str = Field(default="USER_SRP_AUTH", validation_alias="GATEWAY_AUTH_FLOW")
    # USER_AUTH: the first factor asked for straight away (a password one once typed); none:
    # the person chooses among what Cognito offers them.
    preferred_challenge: str | None = Field(
        default=None, validation_alias="GATEWAY_PREFERRED_CHALLENGE"
    )
    # The origin people see the gateway at (scheme://host[:port]): where passkeys are used,
    # checked against the relying party Cognito names. Required with USER_AUTH.
    public_origin: str | None = Field(default=None, validation_alias="GATEWAY_PUBLIC_ORIGIN")
    # The app client rotates refresh tokens (RefreshTokenRotation ENABLED): refresh with
    # GetTokensFromRefreshToken and keep the new refresh token; else REFRESH_TOKEN_AUTH.
    refresh_token_rotation: Flag = Field(
        default=False, validation_alias="GATEWAY_REFRESH_TOKEN_ROTATION"
    )
    # Seconds. Explicit because botocore defaults to a minute; there are no automatic retries.
    connect_timeout: float = Field(
        default=2.0, ge=0.05, le=60, validation_alias="GATEWAY_COGNITO_CONNECT_TIMEOUT"
    )
    read_timeout: float = Field(
        default=5.0, ge=0.05, le=120, validation_alias="GATEWAY_COGNITO_READ_TIMEOUT"
    )
    # Context sent to Cognito with every call.
    client_metadata: Annotated[Mapping[str, str], BeforeValidator(_json_strings)] = Field(
        default_factory=dict, validation_alias="GATEWAY_CLIENT_METADATA"
    )
    analytics_endpoint_id: str | None = Field(
        default=None, validation_alias="GATEWAY_ANALYTICS_ENDPOINT_ID"
    )
    advanced_security_script_url: PlainUrl | None = Field(
        default=None, validation_alias="GATEWAY_ADVANCED_SECURITY_SCRIPT_URL"
    )

    @field_validator("user_pool_id")
    @classmethod
    def _pool_id_shape(cls, value: str) -> str:
        if not _POOL_ID.match(value):
            raise ValueError("must look like us-east-1_AbCdEf123")
        return value

    @field_validator("client_id")
    @classmethod
    def _client_id_shape(cls, value: str) -> str:
        if not _CLIENT_ID.match(value):
            raise ValueError("must be 1-128 letters, digits, '_' or '+'")
        return value

    @field_validator("region")
    @classmethod
    def _region_of_the_pool(cls, value: str, info: ValidationInfo) -> str:
        if value:
            return value
        found = _POOL_ID.match(info.data.get("user_pool_id") or "")
        return found.group(1) if found else ""

    @field_validator("preferred_challenge")
    @classmethod
    def _a_first_factor(cls, value: str | None) -> str | None:
        if value is not None and value not in FIRST_FACTORS:
            raise ValueError(f"must be one of {', '.join(FIRST_FACTORS)}")
        return value

    @field_validator("public_origin")
    @classmethod
    def _an_origin(cls, value: str | None) -> str | None:
        if value is not None and not _is_origin(value):
            raise ValueError(f": {value!r} is not an origin like https://login.example.com")
        return value

    @model_validator(mode="after")
    def _passkeys_know_where_they_are(self) -> CognitoSettings:
        if self.auth_flow == "USER_AUTH" and self.public_origin is None:
            raise ValueError("GATEWAY_AUTH_FLOW=USER_AUTH needs GATEWAY_PUBLIC_ORIGIN (where "
                             "people see the gateway, e.g. https://login.example.com): "
                             "passkeys belong to it")
        return self

    @field_validator("auth_flow")
    @classmethod
    def _known_flow(cls, value: str) -> str:
        if value not in AUTH_FLOWS:
            raise ValueError(f"must be one of {', '.join(AUTH_FLOWS)}")
        return value

    @property
    def pool_name(self) -> str:
        return self.user_pool_id.split("_", 1)[1]

    @property
    def issuer(self) -> str:
        """The ``iss`` of the pool's tokens, under which it publishes its keys. The emulator
        issues under its own URL, as a client reaches it (the endpoint)."""
        if self.endpoint:
            return f"{self.endpoint.rstrip('/')}/{self.user_pool_id}"
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def asks_password(self) -> bool:
        """Whether the login form asks for a password: not for plain CUSTOM_AUTH (the triggers
        ask what they ask) nor USER_AUTH (identifier first: the person then chooses how)."""
        return self.auth_flow not in {"CUSTOM_AUTH", "USER_AUTH"}


class CookieSettings(_Section):
    # False only for plain-http local use: drops Secure and the __Host- prefix.
    secure: Flag = Field(default=True, validation_alias="GATEWAY_COOKIE_SECURE")
    # Oldest first, newest last: the last one signs, the others still verify (rotation).
    secret_keys: Annotated[tuple[Secret, ...], BeforeValidator(_comma_list)] = Field(
        validation_alias="GATEWAY_SECRET_KEYS"
    )

    @field_validator("secret_keys")
    @classmethod
    def _long_enough(cls, keys: tuple[Secret, ...]) -> tuple[Secret, ...]:
        if not keys:
            raise ValueError("must list at least one key")
        if any(len(key.reveal()) < _MIN_KEY_LENGTH for key in keys):
            raise ValueError(
                f": every key must be at least {_MIN_KEY_LENGTH} characters "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return keys

    @property
    def prefix(self) -> str:
        # Browsers only accept __Host- cookies that are Secure; plain-http local use drops it.
        return "__Host-" if self.secure else ""


class LifetimeSettings(_Section):
    """Seconds."""

    # Cognito sessions last 3-15 minutes; a sign-in in progress never outlives the longest.
    flow_ttl: WholeNumber = Field(default=900, ge=60, le=900, validation_alias="GATEWAY_FLOW_TTL")
    # A signed-in session: sliding idle timeout, and the absolute cap.
    session_idle: WholeNumber = Field(
        default=1800, ge=60, le=86400, validation_alias="GATEWAY_SESSION_IDLE_TIMEOUT"
    )
    session_absolute: WholeNumber = Field(
        default=43200, ge=300, le=30 * 86400, validation_alias="GATEWAY_SESSION_ABSOLUTE_TIMEOUT"
    )
    # A sensitive change (adding a passkey, changing the password) needs a sign-in this recent.
    reauth_max_age: WholeNumber = Field(
        default=300, ge=30, le=86400, validation_alias="GATEWAY_REAUTH_MAX_AGE"
    )

    @field_validator("session_absolute")
    @classmethod
    def _idle_within_absolute(cls, absolute: int, info: ValidationInfo) -> int:
        # A field validator, not a model one: it runs even when another lifetime is wrong.
        if absolute < info.data.get("session_idle", 0):
            raise ValueError(
                "GATEWAY_SESSION_IDLE_TIMEOUT cannot exceed GATEWAY_SESSION_ABSOLUTE_TIMEOUT"
            )
        return absolute


REMEMBER_MODES: Final = ("off", "ask", "always")


class AccountSettings(_Section):
    """What people may do for themselves."""

    # Self-service sign-up: anyone may create an account. Off unless the deployer says so.
    sign_up: Flag = Field(default=False, validation_alias="GATEWAY_SIGN_UP")
    # The attributes the sign-up form asks for (the pool's required ones), by Cognito's names.
    sign_up_attributes: Annotated[tuple[str, ...], BeforeValidator(_comma_list)] = Field(
        default=("email",), validation_alias="GATEWAY_SIGN_UP_ATTRIBUTES"
    )
    # The attributes the profile page shows and lets the person change (UpdateUserAttributes).
    editable_attributes: Annotated[tuple[str, ...], BeforeValidator(_comma_list)] = Field(
        default=("name",), validation_alias="GATEWAY_EDITABLE_ATTRIBUTES"
    )
    # "Delete my account" (DeleteUser) on the account pages. Off unless the deployer says so.
    deletion: Flag = Field(default=False, validation_alias="GATEWAY_ACCOUNT_DELETION")

    @field_validator("sign_up_attributes", "editable_attributes")
    @classmethod
    def _attribute_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not re.fullmatch(r"[a-z_:]{1,64}", name):
                raise ValueError(f": {name!r} is not an attribute name like email or name")
        return value

    @field_validator("editable_attributes")
    @classmethod
    def _writable(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Cognito sets these itself; no person may write them.
        for name in value:
            if name in {"sub", "username", "updated_at"} or name.endswith("_verified"):
                raise ValueError(f": {name!r} cannot be changed by the person")
        return value


class DeviceSettings(_Section):
    """Remembered devices. The gateway cannot read the pool's DeviceConfiguration (that needs
    AWS credentials), so the deployer says what it is: ``off`` (no device tracking), ``ask``
    (DeviceOnlyRememberedOnUserPrompt: the code pages offer "Remember this device"), ``always``
    (every device is remembered without asking)."""

    remember: str = Field(default="off", validation_alias="GATEWAY_REMEMBER_DEVICES")
    # The sealed device cookie's lifetime, days.
    cookie_days: WholeNumber = Field(
        default=90, ge=1, le=400, validation_alias="GATEWAY_DEVICE_COOKIE_DAYS"
    )

    @field_validator("remember", mode="before")
    @classmethod
    def _known_mode(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lower()
        if value not in REMEMBER_MODES:
            raise ValueError(f"must be one of {', '.join(REMEMBER_MODES)}")
        return value


MFA_METHODS: Final = ("SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP")


class MfaSettings(_Section):
    """The MFA methods the pool offers, which the gateway cannot read (DescribeUserPool needs
    AWS credentials): what the account area lets a person turn on. A method the pool does not
    offer is refused by Cognito all the same."""

    methods: Annotated[tuple[str, ...], BeforeValidator(_comma_list)] = Field(
        default=MFA_METHODS, validation_alias="GATEWAY_MFA_METHODS"
    )

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if name not in MFA_METHODS:
                raise ValueError(f": {name!r} is not one of {', '.join(MFA_METHODS)}")
        return value


class HttpSettings(_Section):
    """What one client may hold of the HTTP server: connections that never finish cost a socket
    each, so they are bounded in time and in number (README, "Hostile input")."""

    # Seconds from the end of the headers to the end of the body; then 408 and the connection
    # is closed. The largest body (192 KiB) takes well under a second on any real link.
    body_timeout: float = Field(
        default=15.0, ge=0.5, le=300, validation_alias="GATEWAY_BODY_TIMEOUT"
    )
    # Open connections per client IP, counted on the TCP peer. A trusted proxy's connections are
    # not counted (they carry everyone): behind one, the proxy caps each real client.
    max_connections_per_client: WholeNumber = Field(
        default=32, ge=1, le=100000, validation_alias="GATEWAY_MAX_CONNECTIONS_PER_CLIENT"
    )


class LimitSettings(_Section):
    """Abuse limits (windows in seconds). Failures are reserved before Cognito checks an answer
    and given back when it was right; starts and code sends are counted per client network and
    per account, below the gateway-wide start budget (README, "Abuse limits")."""

    ip_failure_limit: WholeNumber = Field(
        default=20, ge=1, le=100000, validation_alias="GATEWAY_IP_FAILURE_LIMIT"
    )
    ip_failure_window: WholeNumber = Field(
        default=300, ge=1, le=86400, validation_alias="GATEWAY_IP_FAILURE_WINDOW"
    )
    # Failures per account from one client network: an attacker elsewhere uses up their own.
    user_failure_limit: WholeNumber = Field(
        default=10, ge=1, le=100000, validation_alias="GATEWAY_USER_FAILURE_LIMIT"
    )
    user_failure_window: WholeNumber = Field(
        default=900, ge=1, le=86400, validation_alias="GATEWAY_USER_FAILURE_WINDOW"
    )
    # Failures per account from everywhere (same window): the ceiling on distributed guessing.
    account_failure_limit: WholeNumber = Field(
        default=100, ge=1, le=100000, validation_alias="GATEWAY_ACCOUNT_FAILURE_LIMIT"
    )
    # Sign-in starts, successful or not, per client network and per account.
    client_start_limit: WholeNumber = Field(
        default=30, ge=1, le=100000, validation_alias="GATEWAY_CLIENT_START_LIMIT"
    )
    account_start_limit: WholeNumber = Field(
        default=20, ge=1, le=100000, validation_alias="GATEWAY_ACCOUNT_START_LIMIT"
    )
    start_window: WholeNumber = Field(
        default=60, ge=1, le=86400, validation_alias="GATEWAY_START_WINDOW"
    )
    # SMS and email codes Cognito sends, per client network and per account (they cost money).
    client_code_limit: WholeNumber = Field(
        default=20, ge=1, le=100000, validation_alias="GATEWAY_CLIENT_CODE_LIMIT"
    )
    account_code_limit: WholeNumber = Field(
        default=5, ge=1, le=100000, validation_alias="GATEWAY_ACCOUNT_CODE_LIMIT"
    )
    code_window: WholeNumber = Field(
        default=900, ge=1, le=86400, validation_alias="GATEWAY_CODE_WINDOW"
    )
    global_start_limit: WholeNumber = Field(
        default=100, ge=1, le=100000, validation_alias="GATEWAY_GLOBAL_START_LIMIT"
    )
    # Wrong codes in one sign-in before it starts over.
    max_code_attempts: WholeNumber = Field(
        default=5, ge=1, le=20, validation_alias="GATEWAY_MAX_CODE_ATTEMPTS"
    )


class ExistenceSettings(_Section):
    """What a stranger may learn about whether an account exists (docs/design.md, "Who
    has an account")."""

    # Tell a disabled account apart from a wrong password (403 account_disabled): helpful to
    # the owner, and an existence check for anyone with the name.
    reveal_disabled: Flag = Field(
        default=False, validation_alias="GATEWAY_REVEAL_DISABLED_ACCOUNTS"
    )
    # The deployer vouches that the app client has PreventUserExistenceErrors=ENABLED (an app
    # client cannot read its own setting); otherwise start-up warns.
    assume_prevented: Flag = Field(
        default=False, validation_alias="GATEWAY_ASSUME_PREVENT_USER_EXISTENCE"
    )
    # A refused password is answered no sooner than this after the request arrived, so an
    # unknown name (answered at once by a LEGACY client) and a wrong password look alike.
    failure_floor_ms: WholeNumber = Field(
        default=250, ge=0, le=5000, validation_alias="GATEWAY_FAILED_SIGN_IN_FLOOR_MS"
    )


def _password_classes(value: object) -> object:
    if not isinstance(value, str):
        return value
    items = (item.strip().lower() for item in value.split(","))
    return tuple(item for item in items if item and item != "none")


class PasswordPolicy(_Section):
    """The pool's password rules, shown before a person types a new password. Cognito checks
    them anyway; this only has to describe them."""

    min_length: WholeNumber = Field(
        default=8, ge=6, le=99, validation_alias="GATEWAY_PASSWORD_MIN_LENGTH"
    )
    # "none" for no character classes at all.
    requires: Annotated[tuple[str, ...], BeforeValidator(_password_classes)] = Field(
        default=PASSWORD_CLASSES, validation_alias="GATEWAY_PASSWORD_REQUIRE"
    )

    @field_validator("requires")
    @classmethod
    def _known_classes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(item not in PASSWORD_CLASSES for item in value):
            raise ValueError(f"lists only {', '.join(PASSWORD_CLASSES)}")
        return value


class RelaySettings(_Section):
    """The API relay: upstream routes, token freshness, and the origins allowed to call."""

    # GATEWAY_UPSTREAMS (JSON), or a file holding it (GATEWAY_UPSTREAMS_FILE); read and
    # checked by gateway.relay.routes.parse_routes once the home path is known (Settings).
    upstreams: str | None = Field(default=None, validation_alias="GATEWAY_UPSTREAMS")
    upstreams_file: Path | None = Field(default=None, validation_alias="GATEWAY_UPSTREAMS_FILE")
    # Seconds before the access token's expiry from which it is refreshed.
    refresh_margin: WholeNumber = Field(
        default=60, ge=0, le=3600, validation_alias="GATEWAY_REFRESH_MARGIN"
    )
    # Exact origins (scheme://host[:port]) whose pages may call the JSON API and the relay
    # with the person's cookies (CORS with credentials). Never "*".
    cors_origins: Annotated[tuple[str, ...], BeforeValidator(_comma_list)] = Field(
        default=(), validation_alias="GATEWAY_CORS_ORIGINS"
    )

    _routes: tuple[Route, ...] = PrivateAttr(default=())

    # Each variable is checked on its own (field validators), so its problems are reported
    # with every other one; the routes are kept once the section is whole.
    @field_validator("upstreams")
    @classmethod
    def _routes_read(cls, value: str | None) -> str | None:
        if value:
            parse_routes(value, home_path=None)
        return value

    @field_validator("upstreams_file")
    @classmethod
    def _routes_file_read(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        if not value.is_file():
            raise ValueError(f": {value} is not a readable file")
        parse_routes(value.read_text(), home_path=None)
        return value

    @model_validator(mode="after")
    def _keep_routes(self) -> RelaySettings:
        if self.upstreams and self.upstreams_file:
            raise ValueError("set GATEWAY_UPSTREAMS or GATEWAY_UPSTREAMS_FILE, not both")
        text = self.upstreams_file.read_text() if self.upstreams_file else self.upstreams
        self._routes = parse_routes(text, home_path=None) if text else ()
        return self

    @property
    def routes(self) -> tuple[Route, ...]:
        """The relay's routes, read and checked with the rest of the configuration."""
        return self._routes

    @field_validator("cors_origins")
    @classmethod
    def _exact_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            if not _is_origin(origin):
                raise ValueError(f": {origin!r} is not an origin like https://app.example.com")
        return value


class BrandingSettings(_Section):
    """The look of the pages."""

    name: str = Field(default="Sign in", validation_alias="GATEWAY_BRAND_NAME")
    logo_url: Annotated[str, AfterValidator(_logo_url)] | None = Field(
        default=None, validation_alias="GATEWAY_BRAND_LOGO_URL"
    )
    color: str = Field(default="#2f5bd3", validation_alias="GATEWAY_BRAND_COLOR")
    # A directory whose templates override ours, file by file.
    template_dir: Path | None = Field(default=None, validation_alias="GATEWAY_TEMPLATE_DIR")
    password_policy: PasswordPolicy = PasswordPolicy()

    @field_validator("color")
    @classmethod
    def _readable(cls, color: str) -> str:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
            raise ValueError("must be a colour like #2f5bd3")
        if (ratio := contrast_ratio(color, "#ffffff")) < TEXT_MINIMUM:
            # The brand colour is the primary button's background under white text, and the
            # link colour on white cards: too light a colour makes both unreadable.
            raise ValueError(
                f"{color} gives white text a contrast of {ratio:.1f}:1; "
                f"WCAG AA needs {TEXT_MINIMUM}:1, so choose a darker colour"
            )
        return color

    @field_validator("template_dir")
    @classmethod
    def _a_directory(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f": {value} is not a directory")
        return value


class Settings(BaseSettings):
    """The whole configuration. Build it with :func:`load_settings`."""

    # Only the values load_settings hands over: no .env file, secrets directory or os.environ
    # lookup behind its back (settings_customise_sources below).
    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", case_sensitive=True, hide_input_in_errors=True,
        validate_by_alias=True, validate_by_name=True,
    )

    redis: RedisSettings
    cognito: CognitoSettings
    cookies: CookieSettings
    # Sections (frozen) whose every field has a default.
    lifetimes: LifetimeSettings = LifetimeSettings()
    http: HttpSettings = HttpSettings()
    limits: LimitSettings = LimitSettings()
    existence: ExistenceSettings = ExistenceSettings()
    devices: DeviceSettings = DeviceSettings()
    mfa: MfaSettings = MfaSettings()
    accounts: AccountSettings = AccountSettings()
    relay: RelaySettings = RelaySettings()
    branding: BrandingSettings = BrandingSettings()
    # IPs/CIDRs whose X-Forwarded-For entries are believed, walked right to left.
    trusted_proxies: Annotated[tuple[ProxyNetwork, ...], BeforeValidator(_comma_list)] = Field(
        default=(), validation_alias="GATEWAY_TRUSTED_PROXIES"
    )
    # Where people go after sign-in when no safe return_to was given.
    default_return_path: str = Field(default="/", validation_alias="GATEWAY_DEFAULT_RETURN_PATH")
    # Where the gateway's own signed-in page lives; "none" for no such page, so an app can own
    # every path (including "/").
    home_path: Annotated[str | None, BeforeValidator(_none_for_off)] = Field(
        default="/", validation_alias="GATEWAY_HOME_PATH"
    )
    log_level: str = Field(default="INFO", validation_alias="GATEWAY_LOG_LEVEL")

    @field_validator("default_return_path")
    @classmethod
    def _on_this_site(cls, value: str) -> str:
        if not value.startswith("/") or value.startswith(("//", "/\\")):
            raise ValueError("must be a path on this site, like /app")
        return value

    @field_validator("home_path")
    @classmethod
    def _a_page_of_ours(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # A plain path: it becomes a route, so no query, fragment or placeholder, and not a
        # path the gateway already serves.
        if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+/?|/", value) or "/.." in value:
            raise ValueError("must be a plain path on this site, like /home, or none")
        if (first := value.strip("/").split("/")[0]) in _RESERVED_PATHS:
            raise ValueError(f"cannot be under /{first}, which the gateway serves")
        return value

    @model_validator(mode="after")
    def _routes_leave_the_home_page_alone(self) -> Settings:
        for route in self.relay.routes:
            if self.home_path is not None and (
                    self.home_path.rstrip("/") + "/").startswith(route.prefix):
                raise ValueError(f"GATEWAY_UPSTREAMS: route {route.prefix!r} holds "
                                 f"GATEWAY_HOME_PATH {self.home_path}")
        return self

    @property
    def routes(self) -> tuple[Route, ...]:
        return self.relay.routes

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> object:
        if isinstance(value, str) and value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be {', '.join(LOG_LEVELS[:-1])} or {LOG_LEVELS[-1]}")
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


# --- reading --------------------------------------------------------------------------------


def _section_model(info: FieldInfo) -> type[BaseModel] | None:
    annotation = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


class EnvironmentSource(PydanticBaseSettingsSource):
    """Reads a given mapping (``os.environ`` in production, a dict in tests): every field from
    the variable its ``validation_alias`` names, every section (a nested model) field by field.
    A variable that is unset or blank leaves the field at its declared default."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self._environ = environ

    def _read(self, model: type[BaseModel]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, info in model.model_fields.items():
            value, key, _ = self.get_field_value(info, name)
            if value is not None:
                values[key] = value
        return values

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        variable = field.validation_alias
        if isinstance(variable, str):
            raw = self._environ.get(variable, "").strip()
            return raw or None, variable, False
        section = _section_model(field)
        if section is None:
            raise TypeError(f"{field_name} has neither a GATEWAY_ variable nor fields of its own")
        # Always present, even empty, so a missing required variable is reported by its name.
        return self._read(section), field_name, True

    def __call__(self) -> dict[str, Any]:
        return self._read(self.settings_cls)


def _variables(model: type[BaseModel]) -> dict[str, FieldInfo]:
    found: dict[str, FieldInfo] = {}
    for info in model.model_fields.values():
        if isinstance(info.validation_alias, str):
            found[info.validation_alias] = info
        elif (section := _section_model(info)) is not None:
            found.update(_variables(section))
    return found


VARIABLES: Final = _variables(Settings)  # every GATEWAY_ variable -> its field


def _bounds(info: FieldInfo) -> tuple[object, object]:
    low = next(c.ge for c in info.metadata if isinstance(c, Ge))
    high = next(c.le for c in info.metadata if isinstance(c, Le))
    return low, high


def _problem(error: ErrorDetails) -> str:
    """One pydantic error as the sentence an operator reads: it names the variable and never
    repeats the value (the error's ``input`` is not even asked for)."""
    variable = next(
        (part for part in error["loc"] if isinstance(part, str) and part in VARIABLES), None
    )
    reason = str(error["ctx"]["error"]) if error["type"] == "value_error" else None
    if variable is None or (reason is not None and reason.startswith("GATEWAY_")):
        # A rule across fields: its sentence names the variables itself.
        return reason or error["msg"]
    info = VARIABLES[variable]
    if error["type"] == "missing":
        return f"{variable} is required"
    if info.annotation is int:
        low, high = _bounds(info)
        return f"{variable} must be a whole number between {low} and {high}"
    if info.annotation is float:
        low, high = _bounds(info)
        return f"{variable} must be a number between {low:g} and {high:g}"
    if reason is None:
        return f"{variable}: {error['msg']}"
    return f"{variable}{reason}" if reason.startswith(":") else f"{variable} {reason}"


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build :class:`Settings` from an environment mapping, or raise :class:`ConfigError`
    listing every problem at once."""
    try:
        return Settings(**EnvironmentSource(Settings, environ)())
    except ValidationError as error:
        problems = [_problem(e) for e in error.errors(include_url=False, include_input=False)]
        raise ConfigError(problems) from None


# --- Redis Sentinel URLs --------------------------------------------------------------------


@dataclass(frozen=True)
class SentinelTarget:
    """A ``redis+sentinel://[[user]:password@]host:port[,host:port...]/service[/db]`` URL: the
    sentinels to ask, the name of the master they watch, and how to use that master."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def sentinel_target(url: str) -> SentinelTarget | None:
    """The parts of a Sentinel URL; None for any other scheme; ValueError when malformed."""
    scheme, _, rest = url.partition("://")
    if scheme != "redis+sentinel":
        return None
    userinfo, _, location = rest.rpartition("@")
    hosts, _, path = location.partition("/")
    sentinels = []
    for item in hosts.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError("a Sentinel URL lists its sentinels as host:port,host:port")
        sentinels.append((host, int(port)))
    service, _, db = path.partition("/")
    if not service or (db and not db.isdigit()):
        raise ValueError("a Sentinel URL ends with /<master name>[/<database number>]")
    username, _, password = userinfo.partition(":")
    return SentinelTarget(
        tuple(sentinels), service, int(db or 0), username or None, password or None
    )
