"""A seed for the emulator with many TOTP users, in the demo seed's format.

Why many: the emulator, like Cognito, refuses a TOTP code from a 30-second step at or before the
last one the user spent, so each user can complete at most one sign-in per step. A load of
``r`` sign-ins per second needs at least ``30 * r`` users.

The remembered-device scenario gets a pool of its own (``DEVICE_POOL_ID``, configured like the
demo's ``us-east-1_DemoDevices2``: a remembered device replaces MFA, and ConfirmDevice
remembers it without asking), so the TOTP pool stays one without device tracking and its
sign-ins cost what they did. Its users sign in with TOTP only once each, to get their device.

``python -m bench.seed --users 500 --out /tmp/bench-seed.json`` writes one for manual use;
the benchmark writes its own to a temporary directory.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp

POOL_ID = "us-east-1_BenchPool01"
CLIENT_ID = "1benchgatewayclient0000001"
# Fixed on purpose, like the demo seed's: it protects nothing but a local benchmark pool.
CLIENT_SECRET = "1benchgatewayclientsecret000000000000000000000000001"
PASSWORD = "Bench-Passw0rd!"

DEVICE_POOL_ID = "us-east-1_BenchDevice01"
DEVICE_CLIENT_ID = "2benchdeviceclient00000002"
DEVICE_CLIENT_SECRET = "2benchdeviceclientsecret0000000000000000000000000002"


@dataclass(frozen=True, slots=True)
class BenchUser:
    username: str
    totp_secret: str  # base32, as an authenticator app would hold it


def make_users(count: int, prefix: str = "bench-user") -> list[BenchUser]:
    return [BenchUser(f"{prefix}-{n:05d}", pyotp.random_base32()) for n in range(count)]


def seed_document(users: list[BenchUser],
                  device_users: list[BenchUser] | None = None) -> dict[str, Any]:
    """The same shape as ``cognito_emulator/demo_seed.yaml``: a pool configured like the
    demo's gateway pool (secret client, context data propagated, TOTP preferred), so every
    sign-in takes the product's full path: SECRET_HASH on each call, SRP, then TOTP. With
    ``device_users``, also the device pool: the same plus a DeviceConfiguration."""
    pools = [_pool(POOL_ID, "bench", CLIENT_ID, CLIENT_SECRET, users)]
    if device_users:
        pools.append(_pool(DEVICE_POOL_ID, "bench-devices", DEVICE_CLIENT_ID,
                           DEVICE_CLIENT_SECRET, device_users, devices=True))
    return {"pools": pools}


def _pool(pool_id: str, name: str, client_id: str, client_secret: str,
          users: list[BenchUser], devices: bool = False) -> dict[str, Any]:
    # ChallengeRequiredOnNewDevice: a remembered device stands in for MFA (device SRP).
    # DeviceOnlyRememberedOnUserPrompt false: ConfirmDevice remembers the device at once, as
    # GATEWAY_REMEMBER_DEVICES=always expects.
    device_configuration: dict[str, Any] = (
        {"DeviceConfiguration": {"ChallengeRequiredOnNewDevice": True,
                                 "DeviceOnlyRememberedOnUserPrompt": False}}
        if devices else {}
    )
    return {
        "Id": pool_id,
        "PoolName": name,
        "MfaConfiguration": "OPTIONAL",
        "AutoVerifiedAttributes": ["email"],
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"},
        **device_configuration,
        "Clients": [
            {
                "ClientId": client_id,
                "ClientSecret": client_secret,
                "ClientName": "bench-gateway",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "EnablePropagateAdditionalUserContextData": True,
                "AuthSessionValidity": 3,
            }
        ],
        "Users": [
            {
                "Username": user.username,
                "Password": PASSWORD,
                "Attributes": {
                    "email": f"{user.username}@example.com",
                    "email_verified": "true",
                },
                "Mfa": {
                    "Totp": {"Secret": user.totp_secret},
                    "Preferred": "SOFTWARE_TOKEN_MFA",
                },
            }
            for user in users
        ],
    }


def write_seed(path: Path, count: int,
               device_count: int = 0) -> tuple[list[BenchUser], list[BenchUser]]:
    """Write a seed with ``count`` TOTP users (and ``device_count`` users of the device pool;
    none: no device pool) to ``path`` (JSON: the emulator reads it faster than YAML) and
    return both pools' users with their secrets, for the load client."""
    users = make_users(count)
    device_users = make_users(device_count, "device-user")
    path.write_text(json.dumps(seed_document(users, device_users)), encoding="utf-8")
    return users, device_users


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--device-users", type=int, default=0,
                        help="also a device pool with this many users")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    write_seed(args.out, args.users, args.device_users)
    print(f"wrote {args.users} TOTP users and {args.device_users} device-pool users to "
          f"{args.out}")


if __name__ == "__main__":
    main()
