"""A seed for the emulator with many TOTP users, in the demo seed's format.

Why many: the emulator, like Cognito, refuses a TOTP code from a 30-second step at or before the
last one the user spent, so each user can complete at most one sign-in per step. A load of
``r`` sign-ins per second needs at least ``30 * r`` users.

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


@dataclass(frozen=True, slots=True)
class BenchUser:
    username: str
    totp_secret: str  # base32, as an authenticator app would hold it


def make_users(count: int) -> list[BenchUser]:
    return [BenchUser(f"bench-user-{n:05d}", pyotp.random_base32()) for n in range(count)]


def seed_document(users: list[BenchUser]) -> dict[str, Any]:
    """The same shape as ``cognito_emulator/demo_seed.yaml``: a pool configured like the
    demo's gateway pool (secret client, context data propagated, TOTP preferred), so every
    sign-in takes the product's full path: SECRET_HASH on each call, SRP, then TOTP."""
    return {
        "pools": [
            {
                "Id": POOL_ID,
                "PoolName": "bench",
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
                "Clients": [
                    {
                        "ClientId": CLIENT_ID,
                        "ClientSecret": CLIENT_SECRET,
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
        ]
    }


def write_seed(path: Path, count: int) -> list[BenchUser]:
    """Write a seed with ``count`` TOTP users to ``path`` (JSON: the emulator reads it faster
    than YAML) and return the users with their secrets, for the load client."""
    users = make_users(count)
    path.write_text(json.dumps(seed_document(users)), encoding="utf-8")
    return users


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    write_seed(args.out, args.users)
    print(f"wrote {args.users} TOTP users to {args.out}")


if __name__ == "__main__":
    main()
