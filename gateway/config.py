"""Settings, read from ``GATEWAY_*`` environment variables once and validated all at once.

This is the only module that reads the environment. Every problem is collected and reported
together, so an operator fixes a deployment in one pass instead of one restart per typo.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from yarl import URL

from gateway.web.contrast import TEXT_MINIMUM, contrast_ratio

AUTH_FLOWS: Final = ("USER_SRP_AUTH", "USER_PASSWORD_AUTH")
_POOL_ID = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d)_[0-9A-Za-z]+$")
_CLIENT_ID = re.compile(r"^[\w+]{1,128}$")
_MIN_KEY_LENGTH = 32

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Secret:
    """A string that does not show itself in reprs, tracebacks or logs."""

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


@dataclass(frozen=True)
class PasswordPolicy:
    """The pool's password rules, shown before a person types a new password. Cognito checks
    them anyway; this only has to describe them (GATEWAY_PASSWORD_MIN_LENGTH / _REQUIRE)."""

    min_length: int = 8
    requires: tuple[str, ...] = ("upper", "lower", "number", "symbol")


PASSWORD_CLASSES: Final = ("upper", "lower", "number", "symbol")


class ConfigError(Exception):
    """Every problem found in the environment, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"invalid gateway configuration:\n{listing}")


@dataclass(frozen=True, kw_only=True)
class Settings:
    redis_url: Secret
    secret_keys: tuple[Secret, ...]  # oldest first, newest last: the last one signs
    user_pool_id: str
    client_id: str
    client_secret: Secret | None = None
    region: str = ""
    cognito_endpoint: str | None = None
    auth_flow: str = "USER_SRP_AUTH"
    trusted_proxies: tuple[Network, ...] = ()
    cookie_secure: bool = True
    # Timeouts, seconds. Explicit because both libraries default to "a long time".
    redis_timeout: float = 1.0
    cognito_connect_timeout: float = 2.0
    cognito_read_timeout: float = 5.0
    # Lifetimes, seconds.
    flow_ttl: int = 900  # Cognito sessions last 3-15 minutes; a flow never outlives the longest
    session_idle_timeout: int = 1800
    session_absolute_timeout: int = 43200
    # Abuse limits: failures per window, and sign-in starts per second across the gateway.
    ip_failure_limit: int = 20
    ip_failure_window: int = 300
    user_failure_limit: int = 10
    user_failure_window: int = 900
    global_start_limit: int = 100
    max_code_attempts: int = 5
    # Context sent to Cognito.
    advanced_security_script_url: str | None = None
    analytics_endpoint_id: str | None = None
    client_metadata: Mapping[str, str] = field(default_factory=dict)
    # Look.
    brand_name: str = "Sign in"
    brand_logo_url: str | None = None
    brand_color: str = "#2f5bd3"
    template_dir: Path | None = None
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    default_return_path: str = "/"
    log_level: str = "INFO"

    @property
    def cookie_prefix(self) -> str:
        # Browsers only accept __Host- cookies that are Secure; plain-http local use drops it.
        return "__Host-" if self.cookie_secure else ""

    @property
    def pool_name(self) -> str:
        return self.user_pool_id.split("_", 1)[1]


def _flag(raw: str) -> bool | None:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    return None


class _Reader:
    """Reads typed values from the environment, recording problems instead of raising."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def raw(self, name: str) -> str | None:
        value = self.environ.get(f"GATEWAY_{name}")
        return value.strip() if value is not None and value.strip() else None

    def required(self, name: str) -> str:
        value = self.raw(name)
        if value is None:
            self.problems.append(f"GATEWAY_{name} is required")
            return ""
        return value

    def number(self, name: str, default: float, *, low: float, high: float) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not low <= number <= high:
            self.problems.append(f"GATEWAY_{name} must be a number between {low:g} and {high:g}")
            return default
        return number

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        value = self.raw(name)
        if value is None:
            return default
        if not value.isdigit() or not low <= int(value) <= high:
            self.problems.append(f"GATEWAY_{name} must be a whole number between {low} and {high}")
            return default
        return int(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        parsed = _flag(value)
        if parsed is None:
            self.problems.append(f"GATEWAY_{name} must be true or false")
            return default
        return parsed


def _networks(reader: _Reader) -> tuple[Network, ...]:
    networks = []
    for item in (reader.raw("TRUSTED_PROXIES") or "").split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            reader.problems.append(
                f"GATEWAY_TRUSTED_PROXIES: {item.strip()!r} is not an IP address or CIDR"
            )
    return tuple(networks)


def _http_url(reader: _Reader, name: str) -> str | None:
    value = reader.raw(name)
    if value is None:
        return None
    url = URL(value)
    # These URLs end up in the Content-Security-Policy header, where a space, ';' or ',' would
    # start a new source or directive: only a plain URL is accepted.
    if url.scheme not in {"http", "https"} or not url.host or re.search(r"[\s;,'\"]", value):
        reader.problems.append(f"GATEWAY_{name} must be a plain http(s) URL")
        return None
    return value


def _logo_url(reader: _Reader) -> str | None:
    value = reader.raw("BRAND_LOGO_URL")
    if value is None or not value.startswith("/") or value.startswith("//"):
        return _http_url(reader, "BRAND_LOGO_URL")  # absolute: its origin joins img-src
    if re.search(r"[\s'\"<>]", value):
        reader.problems.append("GATEWAY_BRAND_LOGO_URL must be a path or a plain http(s) URL")
        return None
    return value


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


def _redis_url_problems(url: str) -> list[str]:
    try:
        if sentinel_target(url) is not None:
            return []
        scheme = URL(url).scheme
    except ValueError as error:
        return [f"GATEWAY_REDIS_URL: {error}"]
    if scheme not in {"redis", "rediss", "unix"}:
        return ["GATEWAY_REDIS_URL must be a redis://, rediss://, unix:// or redis+sentinel:// URL"]
    return []


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build :class:`Settings` from an environment mapping, or raise :class:`ConfigError`
    listing every problem at once."""
    reader = _Reader(environ)
    problems = reader.problems

    redis_url = reader.required("REDIS_URL")
    if redis_url:
        problems.extend(_redis_url_problems(redis_url))

    keys = [k.strip() for k in (reader.required("SECRET_KEYS")).split(",") if k.strip()]
    if reader.raw("SECRET_KEYS") is not None and not keys:
        problems.append("GATEWAY_SECRET_KEYS must list at least one key")
    if any(len(k) < _MIN_KEY_LENGTH for k in keys):
        problems.append(
            f"GATEWAY_SECRET_KEYS: every key must be at least {_MIN_KEY_LENGTH} characters "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )

    pool_id = reader.required("USER_POOL_ID")
    pool_match = _POOL_ID.match(pool_id)
    if pool_id and not pool_match:
        problems.append("GATEWAY_USER_POOL_ID must look like us-east-1_AbCdEf123")
    region = reader.raw("REGION") or (pool_match.group(1) if pool_match else "")

    client_id = reader.required("CLIENT_ID")
    if client_id and not _CLIENT_ID.match(client_id):
        problems.append("GATEWAY_CLIENT_ID must be 1-128 letters, digits, '_' or '+'")
    client_secret = reader.raw("CLIENT_SECRET")

    auth_flow = reader.raw("AUTH_FLOW") or "USER_SRP_AUTH"
    if auth_flow not in AUTH_FLOWS:
        problems.append(f"GATEWAY_AUTH_FLOW must be one of {', '.join(AUTH_FLOWS)}")

    metadata: dict[str, str] = {}
    raw_metadata = reader.raw("CLIENT_METADATA")
    if raw_metadata is not None:
        try:
            parsed = json.loads(raw_metadata)
        except json.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
        ):
            problems.append("GATEWAY_CLIENT_METADATA must be a JSON object of strings")
        else:
            metadata = parsed

    color = reader.raw("BRAND_COLOR") or "#2f5bd3"
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        problems.append("GATEWAY_BRAND_COLOR must be a colour like #2f5bd3")
    elif (ratio := contrast_ratio(color, "#ffffff")) < TEXT_MINIMUM:
        # The brand colour is the primary button's background under white text, and the link
        # colour on white cards: too light a colour makes both unreadable.
        problems.append(
            f"GATEWAY_BRAND_COLOR {color} gives white text a contrast of {ratio:.1f}:1; "
            f"WCAG AA needs {TEXT_MINIMUM}:1, so choose a darker colour"
        )

    template_dir = reader.raw("TEMPLATE_DIR")
    if template_dir is not None and not Path(template_dir).is_dir():
        problems.append(f"GATEWAY_TEMPLATE_DIR: {template_dir} is not a directory")

    default_return = reader.raw("DEFAULT_RETURN_PATH") or "/"
    if not default_return.startswith("/") or default_return.startswith(("//", "/\\")):
        problems.append("GATEWAY_DEFAULT_RETURN_PATH must be a path on this site, like /app")

    requires = tuple(
        r.strip().lower() for r in (reader.raw("PASSWORD_REQUIRE") or ",".join(PASSWORD_CLASSES))
        .split(",") if r.strip() and r.strip().lower() != "none"
    )
    if any(r not in PASSWORD_CLASSES for r in requires):
        problems.append(f"GATEWAY_PASSWORD_REQUIRE lists only {', '.join(PASSWORD_CLASSES)}")
    policy = PasswordPolicy(
        min_length=reader.integer("PASSWORD_MIN_LENGTH", 8, low=6, high=99), requires=requires
    )

    log_level = (reader.raw("LOG_LEVEL") or "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        problems.append("GATEWAY_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")

    settings = Settings(
        redis_url=Secret(redis_url),
        secret_keys=tuple(Secret(k) for k in keys),
        user_pool_id=pool_id,
        client_id=client_id,
        client_secret=Secret(client_secret) if client_secret else None,
        region=region,
        cognito_endpoint=_http_url(reader, "COGNITO_ENDPOINT"),
        auth_flow=auth_flow,
        trusted_proxies=_networks(reader),
        cookie_secure=reader.flag("COOKIE_SECURE", True),
        redis_timeout=reader.number("REDIS_TIMEOUT", 1.0, low=0.05, high=30),
        cognito_connect_timeout=reader.number("COGNITO_CONNECT_TIMEOUT", 2.0, low=0.05, high=60),
        cognito_read_timeout=reader.number("COGNITO_READ_TIMEOUT", 5.0, low=0.05, high=120),
        flow_ttl=reader.integer("FLOW_TTL", 900, low=60, high=900),
        session_idle_timeout=reader.integer("SESSION_IDLE_TIMEOUT", 1800, low=60, high=86400),
        session_absolute_timeout=reader.integer(
            "SESSION_ABSOLUTE_TIMEOUT", 43200, low=300, high=30 * 86400
        ),
        ip_failure_limit=reader.integer("IP_FAILURE_LIMIT", 20, low=1, high=100000),
        ip_failure_window=reader.integer("IP_FAILURE_WINDOW", 300, low=1, high=86400),
        user_failure_limit=reader.integer("USER_FAILURE_LIMIT", 10, low=1, high=100000),
        user_failure_window=reader.integer("USER_FAILURE_WINDOW", 900, low=1, high=86400),
        global_start_limit=reader.integer("GLOBAL_START_LIMIT", 100, low=1, high=100000),
        max_code_attempts=reader.integer("MAX_CODE_ATTEMPTS", 5, low=1, high=20),
        advanced_security_script_url=_http_url(reader, "ADVANCED_SECURITY_SCRIPT_URL"),
        analytics_endpoint_id=reader.raw("ANALYTICS_ENDPOINT_ID"),
        client_metadata=metadata,
        brand_name=reader.raw("BRAND_NAME") or "Sign in",
        brand_logo_url=_logo_url(reader),
        brand_color=color,
        template_dir=Path(template_dir) if template_dir else None,
        password_policy=policy,
        default_return_path=default_return,
        log_level=log_level,
    )
    if settings.session_idle_timeout > settings.session_absolute_timeout:
        problems.append(
            "GATEWAY_SESSION_IDLE_TIMEOUT cannot exceed GATEWAY_SESSION_ABSOLUTE_TIMEOUT"
        )
    if problems:
        raise ConfigError(problems)
    return settings
