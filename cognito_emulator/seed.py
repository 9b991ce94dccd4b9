"""The seed file: pools, app clients and users to create at start (and again on reset).

It reads like the API: each pool is a CreateUserPool request (plus SetUserPoolMfaConfig
members) with a fixed ``Id``, its ``Clients`` are CreateUserPoolClient requests with a fixed
``ClientId`` and optional ``ClientSecret``, and its ``Users`` carry a password and MFA settings.
``Adaptive`` holds the emulator's stand-in for threat protection's risk rules. A pool's
``LambdaConfig`` names Lambda ARNs; the top-level ``functions:`` mapping says which Python
callable (``package.module:attr``) each function name runs (triggers.py). Everything is
validated against botocore's model at load, so a typo fails at start with a clear message.

Loading reads the file into plain data (``Seed``); ``apply_seed`` builds it in a PoolStore.
What needs the pool itself (the password policy, the schema) is checked then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cognito_emulator import mfa, passwords
from cognito_emulator.errors import CognitoError
from cognito_emulator.models import (
    EMAIL_OTP,
    MFA_METHODS,
    SMS_MFA,
    SOFTWARE_TOKEN_MFA,
    AdaptiveRules,
    MfaSettings,
    Pool,
)
from cognito_emulator.pool_store import PoolStore, add_group, configure_mfa
from cognito_emulator.validation import operation_model, validate

DEMO_SEED = Path(__file__).with_name("demo_seed.yaml")
_MFA_MEMBERS = ("SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration",
                "WebAuthnConfiguration")
_POOL_SEED_ONLY = ("Id", "Clients", "Users", "Groups", "Adaptive", "WebAuthnAllowedOrigins",
                   *_MFA_MEMBERS)
_CLIENT_SEED_ONLY = ("ClientId", "ClientSecret")
_USER_KEYS = frozenset({"Username", "Password", "TemporaryPassword", "Attributes", "Status",
                        "Enabled", "Mfa", "SrpSalt", "Groups"})


class SeedError(ValueError):
    """The seed file is not usable; the message says where and why."""


@dataclass(frozen=True)
class MfaSeed:
    totp_secret: str | None
    sms: bool
    email: bool
    preferred: str | None


@dataclass(frozen=True)
class UserSeed:
    username: str
    password: str
    status: str
    attributes: dict[str, str]
    enabled: bool
    # Pins the salt, so a known-answer SRP exchange can be replayed against this user.
    srp_salt: int | None
    mfa: MfaSeed
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClientSeed:
    client_id: str
    secret: str | None
    request: dict[str, Any]  # CreateUserPoolClient


@dataclass(frozen=True)
class PoolSeed:
    id: str
    request: dict[str, Any]  # CreateUserPool
    mfa_request: dict[str, Any]  # SetUserPoolMfaConfig, without UserPoolId
    adaptive: AdaptiveRules
    clients: tuple[ClientSeed, ...]
    users: tuple[UserSeed, ...]
    groups: tuple[dict[str, Any], ...] = ()  # CreateGroup requests, without UserPoolId
    # Origins accepted for passkeys besides the relying party's own (emulator-only).
    web_authn_origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Seed:
    pools: tuple[PoolSeed, ...]
    # Lambda function name (the ``<name>`` of a LambdaConfig ARN) -> ``package.module:attr``.
    functions: dict[str, str] = field(default_factory=dict)


def load_seed(path: Path) -> Seed:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("pools"), list):
        raise SeedError(f"{path}: expected a mapping with a 'pools' list")
    return parse_seed(data)


def parse_seed(data: dict[str, Any]) -> Seed:
    """A seed already read from YAML or JSON, checked and turned into plain data."""
    pools = []
    for index, entry in enumerate(data.get("pools", [])):
        where = f"pools[{index}]"
        try:
            pools.append(_parse_pool(entry, where))
        except CognitoError as exc:
            raise SeedError(f"{where}: {exc.code}: {exc.message}") from exc
    functions = data.get("functions") or {}
    if not isinstance(functions, dict) or not all(
        isinstance(name, str) and isinstance(spec, str) for name, spec in functions.items()
    ):
        raise SeedError("functions: expected a mapping of function name to package.module:attr")
    return Seed(pools=tuple(pools), functions=dict(functions))


def apply_seed(store: PoolStore, seed: Seed, now: float) -> None:
    for index, entry in enumerate(seed.pools):
        where = f"pools[{index}]"
        try:
            _apply_pool(store, entry, now, where)
        except CognitoError as exc:
            raise SeedError(f"{where}: {exc.code}: {exc.message}") from exc


def _parse_pool(entry: dict[str, Any], where: str) -> PoolSeed:
    if "Id" not in entry:
        raise SeedError(f"{where}: a seeded pool needs a fixed Id")
    request = {key: value for key, value in entry.items() if key not in _POOL_SEED_ONLY}
    _validated("CreateUserPool", request)
    mfa_request = {key: entry[key] for key in _MFA_MEMBERS if key in entry}
    _validated("SetUserPoolMfaConfig", {"UserPoolId": entry["Id"], **mfa_request})
    adaptive = entry.get("Adaptive") or {}
    clients = []
    for position, client in enumerate(entry.get("Clients") or []):
        client_request = {key: value for key, value in client.items()
                          if key not in _CLIENT_SEED_ONLY}
        client_request["UserPoolId"] = entry["Id"]
        _validated("CreateUserPoolClient", client_request)
        if "ClientId" not in client:
            raise SeedError(f"{where}.Clients[{position}]: a seeded client needs a fixed ClientId")
        clients.append(ClientSeed(client_id=client["ClientId"], secret=client.get("ClientSecret"),
                                  request=client_request))
    groups = []
    for position, group in enumerate(entry.get("Groups") or []):
        if not isinstance(group, dict):
            raise SeedError(f"{where}.Groups[{position}]: expected a CreateGroup mapping")
        group_request = {key: value for key, value in group.items() if key != "UserPoolId"}
        _validated("CreateGroup", {**group_request, "UserPoolId": entry["Id"]})
        groups.append(group_request)
    users = [_parse_user(user, f"{where}.Users[{position}]")
             for position, user in enumerate(entry.get("Users") or [])]
    origins = entry.get("WebAuthnAllowedOrigins") or []
    if not isinstance(origins, list) or not all(
        isinstance(origin, str) and origin.startswith(("https://", "http://")) for origin in origins
    ):
        raise SeedError(f"{where}: WebAuthnAllowedOrigins must be a list of http(s) origins")
    return PoolSeed(
        id=entry["Id"], request=request, mfa_request=mfa_request,
        adaptive=AdaptiveRules(
            blocked_ips=frozenset(adaptive.get("BlockedIps") or []),
            require_mfa_for_new_ip=bool(adaptive.get("RequireMfaForNewIp", False)),
        ),
        clients=tuple(clients), users=tuple(users), groups=tuple(groups),
        web_authn_origins=tuple(origin.rstrip("/") for origin in origins),
    )


def _parse_user(entry: dict[str, Any], where: str) -> UserSeed:
    unknown = set(entry) - _USER_KEYS
    if unknown:
        raise SeedError(f"{where}: unknown keys {sorted(unknown)}")
    password = entry.get("Password") or entry.get("TemporaryPassword")
    if not entry.get("Username") or not password:
        raise SeedError(f"{where}: needs Username and Password or TemporaryPassword")
    default_status = "CONFIRMED" if "Password" in entry else "FORCE_CHANGE_PASSWORD"
    groups = entry.get("Groups") or []
    if not isinstance(groups, list) or not all(isinstance(name, str) for name in groups):
        raise SeedError(f"{where}: Groups must be a list of group names")
    return UserSeed(
        username=entry["Username"],
        password=password,
        status=entry.get("Status") or default_status,
        attributes={name: str(value) for name, value in (entry.get("Attributes") or {}).items()},
        enabled=bool(entry.get("Enabled", True)),
        srp_salt=int(str(entry["SrpSalt"]), 16) if "SrpSalt" in entry else None,
        mfa=_parse_mfa(entry.get("Mfa") or {}, where),
        groups=tuple(groups),
    )


def _parse_mfa(entry: dict[str, Any], where: str) -> MfaSeed:
    totp = entry.get("Totp")
    seed = MfaSeed(totp_secret=totp["Secret"] if totp else None,
                   sms=bool(entry.get("Sms", False)), email=bool(entry.get("Email", False)),
                   preferred=entry.get("Preferred"))
    if seed.preferred is not None:
        if seed.preferred not in MFA_METHODS:
            raise SeedError(f"{where}: Mfa.Preferred must be one of {list(MFA_METHODS)}")
        enabled = {SMS_MFA: seed.sms, SOFTWARE_TOKEN_MFA: seed.totp_secret is not None,
                   EMAIL_OTP: seed.email}[seed.preferred]
        if not enabled:
            raise SeedError(f"{where}: Mfa.Preferred names a method that is not enabled")
    return seed


def _apply_pool(store: PoolStore, entry: PoolSeed, now: float, where: str) -> None:
    pool = store.create_pool(entry.request, now=now, region=entry.id.split("_", 1)[0],
                             pool_id=entry.id, adaptive=entry.adaptive)
    configure_mfa(pool, entry.mfa_request)
    pool.extra_web_authn_origins = entry.web_authn_origins
    for client in entry.clients:
        store.create_client(pool, client.request, now=now, client_id=client.client_id,
                            secret=client.secret)
    for group in entry.groups:
        add_group(pool, group, now)
    for position, user in enumerate(entry.users):
        _apply_user(store, pool, user, now, f"{where}.Users[{position}]")


def _apply_user(store: PoolStore, pool: Pool, entry: UserSeed, now: float, where: str) -> None:
    passwords.check_policy(pool.password_policy, entry.password)
    for name in entry.attributes:
        if name not in pool.schema:
            raise SeedError(f"{where}: attribute {name!r} is not in the pool's schema")
    user = store.add_user(pool, username=entry.username, attributes=entry.attributes,
                          password=entry.password, status=entry.status, now=now)
    if entry.srp_salt is not None:
        passwords.set_password(pool, user, entry.password, entry.srp_salt, now)
    user.enabled = entry.enabled
    _apply_mfa(user.mfa, entry.mfa)
    for name in entry.groups:
        if name not in pool.groups:
            raise SeedError(f"{where}: group {name!r} is not in the pool's Groups")
        if name not in user.groups:
            user.groups.append(name)


def _apply_mfa(settings: MfaSettings, entry: MfaSeed) -> None:
    if entry.totp_secret is not None:
        settings.totp_secret = entry.totp_secret
        settings.totp_enabled = True
    settings.sms_enabled = entry.sms
    settings.email_enabled = entry.email
    if entry.preferred is not None:
        mfa.set_preference(settings, entry.preferred, True, True)


def _validated(operation: str, request: dict[str, Any]) -> None:
    model = operation_model(operation)
    assert model is not None
    validate(model, request)
