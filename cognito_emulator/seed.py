"""The seed file: pools, app clients and users to create at start (and again on reset).

It reads like the API: each pool is a CreateUserPool request (plus SetUserPoolMfaConfig
members) with a fixed ``Id``, its ``Clients`` are CreateUserPoolClient requests with a fixed
``ClientId`` and optional ``ClientSecret``, and its ``Users`` carry a password and MFA settings.
``Adaptive`` holds the emulator's stand-in for threat protection's risk rules. Everything is
validated against botocore's model at load, so a typo fails at start with a clear message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from cognito_emulator import mfa, passwords
from cognito_emulator.errors import CognitoError
from cognito_emulator.models import (
    EMAIL_OTP,
    MFA_METHODS,
    SMS_MFA,
    SOFTWARE_TOKEN_MFA,
    AdaptiveRules,
)
from cognito_emulator.store import configure_mfa
from cognito_emulator.validation import operation_model, validate

if TYPE_CHECKING:
    from cognito_emulator.models import Pool
    from cognito_emulator.state import Emulator

DEMO_SEED = Path(__file__).with_name("demo_seed.yaml")
_MFA_MEMBERS = ("SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration")
_POOL_SEED_ONLY = ("Id", "Clients", "Users", "Adaptive", *_MFA_MEMBERS)
_CLIENT_SEED_ONLY = ("ClientId", "ClientSecret")
_USER_KEYS = frozenset({"Username", "Password", "TemporaryPassword", "Attributes", "Status",
                        "Enabled", "Mfa", "SrpSalt"})


class SeedError(ValueError):
    """The seed file is not usable; the message says where and why."""


def load_seed(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("pools"), list):
        raise SeedError(f"{path}: expected a mapping with a 'pools' list")
    return data


def apply_seed(emulator: Emulator, seed: dict[str, Any]) -> None:
    for index, entry in enumerate(seed.get("pools", [])):
        where = f"pools[{index}]"
        try:
            _seed_pool(emulator, entry, where)
        except CognitoError as exc:
            raise SeedError(f"{where}: {exc.code}: {exc.message}") from exc


def _seed_pool(emulator: Emulator, entry: dict[str, Any], where: str) -> None:
    if "Id" not in entry:
        raise SeedError(f"{where}: a seeded pool needs a fixed Id")
    request = {key: value for key, value in entry.items() if key not in _POOL_SEED_ONLY}
    _validated("CreateUserPool", request)
    mfa_request = {key: entry[key] for key in _MFA_MEMBERS if key in entry}
    _validated("SetUserPoolMfaConfig", {"UserPoolId": entry["Id"], **mfa_request})
    adaptive = entry.get("Adaptive") or {}
    pool = emulator.store.create_pool(
        request, now=emulator.now(), region=entry["Id"].split("_", 1)[0], pool_id=entry["Id"],
        adaptive=AdaptiveRules(
            blocked_ips=frozenset(adaptive.get("BlockedIps") or []),
            require_mfa_for_new_ip=bool(adaptive.get("RequireMfaForNewIp", False)),
        ),
    )
    configure_mfa(pool, mfa_request)
    for position, client in enumerate(entry.get("Clients") or []):
        request = {key: value for key, value in client.items() if key not in _CLIENT_SEED_ONLY}
        request["UserPoolId"] = pool.id
        _validated("CreateUserPoolClient", request)
        if "ClientId" not in client:
            raise SeedError(f"{where}.Clients[{position}]: a seeded client needs a fixed ClientId")
        emulator.store.create_client(pool, request, now=emulator.now(),
                                     client_id=client["ClientId"],
                                     secret=client.get("ClientSecret"))
    for position, user in enumerate(entry.get("Users") or []):
        _seed_user(emulator, pool, user, f"{where}.Users[{position}]")


def _seed_user(emulator: Emulator, pool: Pool, entry: dict[str, Any], where: str) -> None:
    unknown = set(entry) - _USER_KEYS
    if unknown:
        raise SeedError(f"{where}: unknown keys {sorted(unknown)}")
    password = entry.get("Password") or entry.get("TemporaryPassword")
    if not entry.get("Username") or not password:
        raise SeedError(f"{where}: needs Username and Password or TemporaryPassword")
    passwords.check_policy(pool.password_policy, password)
    default_status = "CONFIRMED" if "Password" in entry else "FORCE_CHANGE_PASSWORD"
    status = entry.get("Status") or default_status
    attributes = {name: str(value) for name, value in (entry.get("Attributes") or {}).items()}
    for name in attributes:
        if name not in pool.schema:
            raise SeedError(f"{where}: attribute {name!r} is not in the pool's schema")
    user = emulator.store.add_user(pool, username=entry["Username"], attributes=attributes,
                                   password=password, status=status, now=emulator.now())
    if "SrpSalt" in entry:
        # Pins the salt, so a known-answer SRP exchange can be replayed against this user.
        passwords.set_password(pool, user, password, int(str(entry["SrpSalt"]), 16),
                               emulator.now())
    user.enabled = bool(entry.get("Enabled", True))
    _seed_mfa(user.mfa, entry.get("Mfa") or {}, where)


def _seed_mfa(settings: Any, entry: dict[str, Any], where: str) -> None:
    totp = entry.get("Totp")
    if totp:
        settings.totp_secret = totp["Secret"]
        settings.totp_enabled = True
    settings.sms_enabled = bool(entry.get("Sms", False))
    settings.email_enabled = bool(entry.get("Email", False))
    preferred = entry.get("Preferred")
    if preferred is not None:
        if preferred not in MFA_METHODS:
            raise SeedError(f"{where}: Mfa.Preferred must be one of {list(MFA_METHODS)}")
        flag = {SMS_MFA: settings.sms_enabled, SOFTWARE_TOKEN_MFA: settings.totp_enabled,
                EMAIL_OTP: settings.email_enabled}[preferred]
        if not flag:
            raise SeedError(f"{where}: Mfa.Preferred names a method that is not enabled")
        mfa.set_preference(settings, preferred, True, True)


def _validated(operation: str, request: dict[str, Any]) -> None:
    model = operation_model(operation)
    assert model is not None
    validate(model, request)
